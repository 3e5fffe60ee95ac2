import type { BrokerId } from './brokers.ts';
import { microservicesBroker, walkFlowchart, type FlowchartAnswers, type Scale } from './flowchart.ts';

/** The Summary Recommendations scenarios, with the ids other tools rely on, plus the Hybrid Architecture. */
export const SCENARIO_IDS = [
  'event-streaming',
  'event-sourcing',
  'background-jobs',
  'complex-routing',
  'rpc',
  'realtime-notifications',
  'queue-and-cache',
  'iot-mqtt',
  'analytics-pipeline',
  'microservices',
  'hybrid',
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

export function isScenarioId(value: string): value is ScenarioId {
  return (SCENARIO_IDS as readonly string[]).includes(value);
}

/** How the guide recommends: one broker, a choice by scale, or several side by side. */
export type Recommendation =
  | { readonly kind: 'single'; readonly broker: BrokerId }
  | { readonly kind: 'by-scale'; readonly moderate: BrokerId; readonly high: BrokerId }
  | { readonly kind: 'all'; readonly brokers: readonly BrokerId[] };

export interface Scenario {
  readonly id: ScenarioId;
  /** The row title in the guide's Summary Recommendations table. */
  readonly title: string;
  /** The recommendation cell of that row. */
  readonly guideRecommendation: string;
  readonly recommendation: Recommendation;
  /** The flowchart answers this scenario implies; null where the guide decides otherwise (scale, hybrid). */
  readonly flowchart: FlowchartAnswers | null;
  /** The guide's "Choose X when" bullets that apply, quoted into the generated README. */
  readonly reasons: readonly string[];
}

const yes = true as const;
const no = false as const;

export const SCENARIOS: Readonly<Record<ScenarioId, Scenario>> = {
  'event-streaming': {
    id: 'event-streaming',
    title: 'High-volume event streaming',
    guideRecommendation: 'Kafka',
    recommendation: { kind: 'single', broker: 'kafka' },
    flowchart: { replay: yes },
    reasons: ['Processing millions of events per second', 'Log aggregation at scale', 'Multiple consumers need same data at different times'],
  },
  'event-sourcing': {
    id: 'event-sourcing',
    title: 'Event sourcing / CQRS',
    guideRecommendation: 'Kafka',
    recommendation: { kind: 'single', broker: 'kafka' },
    flowchart: { replay: yes },
    reasons: ['Need complete audit trail', 'Must replay events to rebuild state', 'Event-driven architecture'],
  },
  'background-jobs': {
    id: 'background-jobs',
    title: 'Background job processing',
    guideRecommendation: 'RabbitMQ',
    recommendation: { kind: 'single', broker: 'rabbitmq' },
    flowchart: { replay: no, complexRouting: no, lowLatencyOrRedis: no },
    reasons: ['Background job processing', 'Priority-based task execution', 'Rate limiting with prefetch'],
  },
  'complex-routing': {
    id: 'complex-routing',
    title: 'Complex message routing',
    guideRecommendation: 'RabbitMQ',
    recommendation: { kind: 'single', broker: 'rabbitmq' },
    flowchart: { replay: no, complexRouting: yes },
    reasons: ['Route messages based on multiple criteria', 'Different consumers need different message subsets', 'Header-based routing'],
  },
  rpc: {
    id: 'rpc',
    title: 'Request-reply (RPC)',
    guideRecommendation: 'RabbitMQ',
    recommendation: { kind: 'single', broker: 'rabbitmq' },
    flowchart: { replay: no, complexRouting: no, lowLatencyOrRedis: no },
    reasons: ['Synchronous-style communication over async transport', 'Service-to-service communication with response', 'Command execution with confirmation'],
  },
  'realtime-notifications': {
    id: 'realtime-notifications',
    title: 'Real-time notifications',
    guideRecommendation: 'Redis Pub/Sub',
    recommendation: { kind: 'single', broker: 'redis' },
    flowchart: { replay: no, complexRouting: no, lowLatencyOrRedis: yes },
    reasons: ['Real-time updates to connected clients', 'Cache invalidation signals', 'Live dashboards'],
  },
  'queue-and-cache': {
    id: 'queue-and-cache',
    title: 'Simple queue + cache',
    guideRecommendation: 'Redis',
    recommendation: { kind: 'single', broker: 'redis' },
    flowchart: { replay: no, complexRouting: no, lowLatencyOrRedis: yes },
    reasons: ['Reduce infrastructure complexity', 'Temporary work queues', 'Lightweight event bus'],
  },
  'iot-mqtt': {
    id: 'iot-mqtt',
    title: 'IoT / MQTT support',
    guideRecommendation: 'RabbitMQ',
    recommendation: { kind: 'single', broker: 'rabbitmq' },
    flowchart: { replay: no, complexRouting: yes },
    reasons: ['MQTT for IoT devices', 'AMQP for enterprise systems', 'Route messages based on multiple criteria'],
  },
  'analytics-pipeline': {
    id: 'analytics-pipeline',
    title: 'Analytics pipeline',
    guideRecommendation: 'Kafka',
    recommendation: { kind: 'single', broker: 'kafka' },
    flowchart: { replay: yes },
    reasons: ['Real-time analytics pipelines', 'Windowed aggregations', 'Data lake ingestion'],
  },
  microservices: {
    id: 'microservices',
    title: 'Microservices (general)',
    guideRecommendation: 'RabbitMQ or Kafka (based on scale)',
    recommendation: { kind: 'by-scale', moderate: 'rabbitmq', high: 'kafka' },
    flowchart: null,
    reasons: ['Service-to-service communication with response', 'Event-driven architecture'],
  },
  hybrid: {
    id: 'hybrid',
    title: 'Hybrid Architecture',
    guideRecommendation: 'Kafka + RabbitMQ + Redis behind one facade',
    recommendation: { kind: 'all', brokers: ['kafka', 'rabbitmq', 'redis'] },
    flowchart: null,
    reasons: ['Kafka: event logs, analytics, audit trail', 'RabbitMQ: task queues, RPC calls, notifications', 'Redis: cache, sessions, pub/sub'],
  },
};

/** The brokers the guide recommends for a scenario (the scale only matters for microservices). */
export function recommendedBrokers(id: ScenarioId, scale: Scale = 'moderate'): BrokerId[] {
  const rec = SCENARIOS[id].recommendation;
  switch (rec.kind) {
    case 'single':
      return [rec.broker];
    case 'by-scale':
      return [microservicesBroker(scale)];
    case 'all':
      return [...rec.brokers];
  }
}

/**
 * The scenario that seeds the spec when a user answers the flowchart instead of naming a
 * scenario: the most general scenario of the broker the flowchart reaches.
 */
export function scenarioForFlowchart(answers: FlowchartAnswers): ScenarioId {
  const broker = walkFlowchart(answers).broker;
  const general: Record<BrokerId, ScenarioId> = {
    kafka: 'event-streaming',
    rabbitmq: !answers.replay && answers.complexRouting ? 'complex-routing' : 'background-jobs',
    redis: 'realtime-notifications',
  };
  return general[broker];
}
