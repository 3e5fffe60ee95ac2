/**
 * `--brokers` keeps the scenario's intent: a channel whose broker was left out moves to the chosen
 * broker with the closest delivery semantics (guide/equivalents.ts + the semantics table), or the
 * build is refused with the guide's reason. Every accepted combination is a valid spec.
 */
import { describe, expect, it } from 'vitest';
import { BROKER_IDS, DELIVERY_SEMANTICS, EQUIVALENTS, SCENARIO_IDS, type BrokerId, type ChannelShape } from '../../generators/guide/index.ts';
import { BrokersRefusedError, buildSpec, formatIssue, moveChannel, parseSpec, type Channel, type StackSpec } from '../../generators/stack/index.ts';

function build(scenario: (typeof SCENARIO_IDS)[number], brokers: BrokerId[]): StackSpec {
  return buildSpec({ name: 'shop', scenario, brokers, profile: 'dev', targets: ['compose'], decision: { overridden: true } });
}

const SUBSETS: BrokerId[][] = [['kafka'], ['rabbitmq'], ['redis'], ['kafka', 'rabbitmq'], ['kafka', 'redis'], ['rabbitmq', 'redis'], ['kafka', 'rabbitmq', 'redis']];

describe('--brokers moves channels to their closest equivalent', () => {
  it('background-jobs on Redis keeps its job queue: a stream with a consumer group, at-least-once (not an at-most-once pub/sub channel)', () => {
    const spec = build('background-jobs', ['redis']);
    expect(spec.channels.map((c) => [c.name, c.broker, c.kind, c.semantics])).toEqual([['tasks', 'redis', 'stream', 'at-least-once']]);
    const tasks = spec.channels[0] as Extract<Channel, { kind: 'stream' }>;
    expect(tasks.consumerGroups).toEqual(['tasks-workers']);
    expect(tasks.message.type).toBe('Task');
    expect(tasks.description).toMatch(/Moved from RabbitMQ by --brokers: a job queue on Redis is a Stream .*Not kept: message priorities/);
    expect(spec.brokers.redis?.role).toBe('queue');
  });

  it.each([
    ['event-streaming', ['redis'], 'clickstream', 'redis', 'stream', 'at-least-once'],
    ['background-jobs', ['kafka'], 'tasks', 'kafka', 'topic', 'at-least-once'],
    ['realtime-notifications', ['kafka'], 'cache.invalidate', 'kafka', 'topic', 'at-most-once'],
    ['realtime-notifications', ['rabbitmq'], 'notifications', 'rabbitmq', 'queue', 'at-most-once'],
    ['queue-and-cache', ['kafka'], 'orders', 'kafka', 'topic', 'at-least-once'],
    ['queue-and-cache', ['rabbitmq'], 'orders', 'rabbitmq', 'queue', 'at-least-once'],
    ['hybrid', ['kafka', 'redis'], 'tasks', 'redis', 'stream', 'at-least-once'],
  ] as const)('%s with --brokers %j: %s becomes a %s %s, %s', (scenario, brokers, name, broker, kind, semantics) => {
    const channel = build(scenario, [...brokers]).channels.find((c) => c.name === name);
    expect(channel && [channel.broker, channel.kind, channel.semantics]).toEqual([broker, kind, semantics]);
  });

  it.each([
    ['event-sourcing', ['redis'], /"order-events" \(a kafka topic, exactly-once\) has no equivalent on redis: Redis \(Pub\/Sub & Streams\): the channel is exactly-once, which .* does not give \(the guide: "Not supported"\)/],
    ['event-streaming', ['rabbitmq'], /"clickstream" .* RabbitMQ: a topic is a log .*replay "No \(without plugins\)"/],
    ['rpc', ['kafka', 'redis'], /"quote-requests" .* Apache Kafka: request-reply .*; Redis \(Pub\/Sub & Streams\): request-reply/],
    ['complex-routing', ['redis'], /"eu-orders" .* Redis has no exchanges or routing rules/],
    ['iot-mqtt', ['kafka'], /"telemetry" .* Kafka routes only by topic and key/],
  ] as const)('refuses %s with --brokers %j, with the guide\'s reason', (scenario, brokers, message) => {
    expect(() => build(scenario, [...brokers])).toThrow(BrokersRefusedError);
    expect(() => build(scenario, [...brokers])).toThrow(message);
  });

  it('every scenario × broker set is either refused with a reason or a valid spec that keeps each channel\'s semantics', () => {
    let accepted = 0;
    let refused = 0;
    for (const scenario of SCENARIO_IDS) {
      for (const brokers of SUBSETS) {
        let spec: StackSpec;
        try {
          spec = build(scenario, brokers);
        } catch (error) {
          expect(error, `${scenario} ${brokers}`).toBeInstanceOf(BrokersRefusedError);
          expect((error as Error).message).toMatch(/has no equivalent on .*: .+/);
          refused++;
          continue;
        }
        const parsed = parseSpec(JSON.parse(JSON.stringify(spec)));
        expect(parsed.ok ? [] : parsed.issues.map(formatIssue), `${scenario} ${brokers}`).toEqual([]);
        for (const c of spec.channels) {
          expect(brokers).toContain(c.broker);
          expect(DELIVERY_SEMANTICS[c.broker][c.semantics].native, `${scenario} ${brokers} ${c.name}`).toBe(true);
        }
        accepted++;
      }
    }
    expect([accepted, refused]).toEqual([57, 20]);
  });

  it('keeps the mapping as the guide\'s data: every shape names the other brokers, with a reason either way', () => {
    for (const [shape, targets] of Object.entries(EQUIVALENTS) as [ChannelShape, (typeof EQUIVALENTS)[ChannelShape]][]) {
      const own = shape.split('/')[0] as BrokerId;
      expect(Object.keys(targets).sort(), shape).toEqual(BROKER_IDS.filter((b) => b !== own).sort());
      for (const e of Object.values(targets)) expect('refused' in e ? e.refused : e.why).toMatch(/.{40,}/);
    }
  });

  it('moves one channel on request, and says why not', () => {
    const jobs = build('background-jobs', ['rabbitmq']).channels[0] as Channel;
    const onKafka = moveChannel(jobs, 'kafka');
    expect(onKafka.ok && [onKafka.channel.kind, onKafka.channel.broker === 'kafka' && onKafka.channel.consumerGroups]).toEqual(['topic', ['tasks-workers']]);
    const rpc = build('rpc', ['rabbitmq']).channels[0] as Channel;
    expect(moveChannel(rpc, 'redis')).toEqual({ ok: false, reasons: [expect.stringMatching(/the guide chooses RabbitMQ for RPC/)] });
  });
});
