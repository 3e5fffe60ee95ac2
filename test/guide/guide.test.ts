import { describe, expect, it } from 'vitest';
import {
  flowchartAnswers,
  DELIVERY_SEMANTICS,
  recommendedBrokers,
  scenarioForFlowchart,
  SCENARIO_IDS,
  SCENARIOS,
  walkFlowchart,
  type BrokerId,
  type FlowchartAnswers,
} from '../../generators/guide/index.ts';

/** The guide's Summary Recommendations table, transcribed row by row. */
const SUMMARY: Record<string, { title: string; brokers: BrokerId[] }> = {
  'event-streaming': { title: 'High-volume event streaming', brokers: ['kafka'] },
  'event-sourcing': { title: 'Event sourcing / CQRS', brokers: ['kafka'] },
  'background-jobs': { title: 'Background job processing', brokers: ['rabbitmq'] },
  'complex-routing': { title: 'Complex message routing', brokers: ['rabbitmq'] },
  rpc: { title: 'Request-reply (RPC)', brokers: ['rabbitmq'] },
  'realtime-notifications': { title: 'Real-time notifications', brokers: ['redis'] },
  'queue-and-cache': { title: 'Simple queue + cache', brokers: ['redis'] },
  'iot-mqtt': { title: 'IoT / MQTT support', brokers: ['rabbitmq'] },
  'analytics-pipeline': { title: 'Analytics pipeline', brokers: ['kafka'] },
};

describe('the guide as data', () => {
  it('has exactly the scenario ids other tools rely on', () => {
    expect([...SCENARIO_IDS].sort()).toEqual(
      ['analytics-pipeline', 'background-jobs', 'complex-routing', 'event-sourcing', 'event-streaming', 'hybrid', 'iot-mqtt', 'microservices', 'queue-and-cache', 'realtime-notifications', 'rpc'],
    );
  });

  it.each(Object.entries(SUMMARY))('recommends what the Summary Recommendations table says for %s', (id, row) => {
    const scenario = SCENARIOS[id as keyof typeof SCENARIOS];
    expect(scenario.title).toBe(row.title);
    expect(recommendedBrokers(scenario.id)).toEqual(row.brokers);
  });

  it('recommends RabbitMQ or Kafka for microservices based on scale', () => {
    expect(recommendedBrokers('microservices', 'moderate')).toEqual(['rabbitmq']);
    expect(recommendedBrokers('microservices', 'high')).toEqual(['kafka']);
    expect(recommendedBrokers('microservices')).toEqual(['rabbitmq']);
  });

  it('puts all three brokers behind the hybrid facade', () => {
    expect(recommendedBrokers('hybrid')).toEqual(['kafka', 'rabbitmq', 'redis']);
  });

  it.each(SCENARIO_IDS.filter((id) => SCENARIOS[id].flowchart))('has flowchart answers for %s that lead to its recommendation', (id) => {
    const answers = SCENARIOS[id].flowchart as FlowchartAnswers;
    expect(walkFlowchart(answers).broker).toBe(recommendedBrokers(id)[0]);
  });
});

describe('the decision flowchart', () => {
  const cases: [boolean, boolean, boolean, BrokerId, number][] = [
    // replay, routing, low latency / Redis → broker, questions asked
    [true, false, false, 'kafka', 1],
    [true, true, true, 'kafka', 1],
    [false, true, false, 'rabbitmq', 2],
    [false, true, true, 'rabbitmq', 2],
    [false, false, true, 'redis', 3],
    [false, false, false, 'rabbitmq', 3],
  ];
  it.each(cases)('replay=%s routing=%s lowLatency=%s → %s after %i question(s)', (replay, complexRouting, lowLatencyOrRedis, broker, steps) => {
    const answers = flowchartAnswers(replay, complexRouting, lowLatencyOrRedis);
    if (!answers) throw new Error('unanswered');
    const result = walkFlowchart(answers);
    expect(result.broker).toBe(broker);
    // Only the questions asked are kept: the chart stops at the first yes.
    expect(Object.keys(answers)).toHaveLength(steps);
    expect(result.path).toHaveLength(steps);
    expect(result.path[0]?.question).toBe('Need message replay/retention for days/weeks?');
  });

  it('seeds a scenario of the broker the flowchart reaches', () => {
    expect(recommendedBrokers(scenarioForFlowchart({ replay: true }))).toEqual(['kafka']);
    expect(scenarioForFlowchart({ replay: false, complexRouting: true })).toBe('complex-routing');
    expect(scenarioForFlowchart({ replay: false, complexRouting: false, lowLatencyOrRedis: true })).toBe('realtime-notifications');
    expect(scenarioForFlowchart({ replay: false, complexRouting: false, lowLatencyOrRedis: false })).toBe('background-jobs');
  });
});

describe('the delivery-semantics table', () => {
  it('allows exactly-once natively only on Kafka', () => {
    expect(DELIVERY_SEMANTICS.kafka['exactly-once'].native).toBe(true);
    expect(DELIVERY_SEMANTICS.rabbitmq['exactly-once']).toEqual({ native: false, how: 'Not native (app-level dedup)' });
    expect(DELIVERY_SEMANTICS.redis['exactly-once']).toEqual({ native: false, how: 'Not supported' });
  });
});
