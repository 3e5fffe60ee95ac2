import type { BrokerId } from './brokers.ts';

/** The three questions of the guide's Decision Flowchart, in the order it asks them. */
export interface FlowchartAnswers {
  /** "Need message replay/retention for days/weeks?" */
  readonly replay: boolean;
  /** "Need complex routing logic?" */
  readonly complexRouting: boolean;
  /** "Need < 1ms latency or already have Redis?" */
  readonly lowLatencyOrRedis: boolean;
}

export const FLOWCHART_QUESTIONS: Readonly<Record<keyof FlowchartAnswers, { readonly question: string; readonly flag: string }>> = {
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
  const ask = (key: keyof FlowchartAnswers): boolean => {
    path.push({ question: FLOWCHART_QUESTIONS[key].question, answer: answers[key] });
    return answers[key];
  };
  if (ask('replay')) return { broker: 'kafka', path };
  if (ask('complexRouting')) return { broker: 'rabbitmq', path };
  if (ask('lowLatencyOrRedis')) return { broker: 'redis', path };
  return { broker: 'rabbitmq', path };
}

/** The guide's microservices row: "RabbitMQ or Kafka (based on scale)". */
export const SCALES = ['moderate', 'high'] as const;
export type Scale = (typeof SCALES)[number];

export function microservicesBroker(scale: Scale): BrokerId {
  return scale === 'high' ? 'kafka' : 'rabbitmq';
}
