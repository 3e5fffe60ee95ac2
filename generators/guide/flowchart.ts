import type { BrokerId } from './brokers.ts';

/**
 * The answers to the guide's Decision Flowchart, as asked: its three questions come in order and
 * the chart stops at the first yes, so a question after a yes was never asked and has no answer.
 * - replay: "Need message replay/retention for days/weeks?"
 * - complexRouting: "Need complex routing logic?"
 * - lowLatencyOrRedis: "Need < 1ms latency or already have Redis?"
 */
export type FlowchartAnswers =
  | { readonly replay: true }
  | { readonly replay: false; readonly complexRouting: true }
  | { readonly replay: false; readonly complexRouting: false; readonly lowLatencyOrRedis: boolean };

export type FlowchartQuestion = 'replay' | 'complexRouting' | 'lowLatencyOrRedis';

/** The questions in the order the chart asks them. */
export const FLOWCHART_ORDER: readonly FlowchartQuestion[] = ['replay', 'complexRouting', 'lowLatencyOrRedis'];

/** Answers in the chart's order (undefined once a question is not answered) to the answers as asked: up to the first yes. */
export function flowchartAnswers(replay: boolean, complexRouting?: boolean, lowLatencyOrRedis?: boolean): FlowchartAnswers | undefined {
  if (replay) return { replay };
  if (complexRouting === undefined) return undefined;
  if (complexRouting) return { replay, complexRouting };
  return lowLatencyOrRedis === undefined ? undefined : { replay, complexRouting, lowLatencyOrRedis };
}

export const FLOWCHART_QUESTIONS: Readonly<Record<FlowchartQuestion, { readonly question: string; readonly flag: string }>> = {
  replay: { question: 'Need message replay/retention for days/weeks?', flag: 'replay' },
  complexRouting: { question: 'Need complex routing logic?', flag: 'complex-routing' },
  lowLatencyOrRedis: { question: 'Need < 1ms latency or already have Redis?', flag: 'low-latency' },
};

export interface FlowchartStep {
  readonly question: string;
  readonly answer: boolean;
}

export interface FlowchartResult {
  readonly broker: BrokerId;
  /** The questions actually asked on the way, for the generated README. */
  readonly path: readonly FlowchartStep[];
}

/**
 * Walks the flowchart. Later questions are only asked when the earlier ones say no,
 * exactly as the guide draws it, so `path` can be shorter than three steps.
 */
export function walkFlowchart(answers: FlowchartAnswers): FlowchartResult {
  const path: FlowchartStep[] = [];
  const asked = (key: FlowchartQuestion, answer: boolean): boolean => {
    path.push({ question: FLOWCHART_QUESTIONS[key].question, answer });
    return answer;
  };
  if (asked('replay', answers.replay) || answers.replay) return { broker: 'kafka', path };
  if (asked('complexRouting', answers.complexRouting) || answers.complexRouting) return { broker: 'rabbitmq', path };
  if (asked('lowLatencyOrRedis', answers.lowLatencyOrRedis)) return { broker: 'redis', path };
  return { broker: 'rabbitmq', path };
}

/** The guide's microservices row: "RabbitMQ or Kafka (based on scale)". */
export const SCALES = ['moderate', 'high'] as const;
export type Scale = (typeof SCALES)[number];

export function microservicesBroker(scale: Scale): BrokerId {
  return scale === 'high' ? 'kafka' : 'rabbitmq';
}
