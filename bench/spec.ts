/**
 * The stack the repo benchmark generates: one channel per broker and delivery setting (durable and
 * fast), all carrying the guide's clickstream event, so every row moves the same payload.
 */
import { recommendedBrokers } from '../generators/guide/index.ts';
import { buildSpec, formatIssue, parseSpec, type Channel, type StackSpec } from '../generators/stack/index.ts';
import { clickEvent } from '../generators/stack/seeds.ts';

/** The guide's ClickEvent (the seeds' own); `page` is free text, so the bench pads it to the payload size. */
const CLICK = clickEvent;

const CHANNELS: Channel[] = [
  { name: 'clicks-acks-all', broker: 'kafka', kind: 'topic', semantics: 'at-least-once', retention: '1h', cleanupPolicy: 'delete', key: 'userId', consumerGroups: ['bench'], message: CLICK },
  { name: 'clicks-acks-1', broker: 'kafka', kind: 'topic', semantics: 'at-most-once', retention: '1h', cleanupPolicy: 'delete', key: 'userId', consumerGroups: ['bench'], message: CLICK },
  { name: 'clicks-confirmed', broker: 'rabbitmq', kind: 'queue', semantics: 'at-least-once', exchange: 'clicks', exchangeType: 'direct', bindings: [{ routingKey: 'confirmed' }], deadLetter: true, prefetch: 100, message: CLICK },
  { name: 'clicks-unconfirmed', broker: 'rabbitmq', kind: 'queue', semantics: 'at-most-once', exchange: 'clicks', exchangeType: 'direct', bindings: [{ routingKey: 'unconfirmed' }], deadLetter: false, prefetch: 100, message: CLICK },
  { name: 'clicks:stream', broker: 'redis', kind: 'stream', semantics: 'at-least-once', consumerGroups: ['bench'], maxLen: 100_000, maxDeliveries: 5, message: CLICK },
  { name: 'clicks:live', broker: 'redis', kind: 'pubsub', semantics: 'at-most-once', message: CLICK },
];

/** Names the bench stack creates on the brokers (with its dead-letter companions), for the clean-up. */
export const BENCH_NAMES = {
  kafkaTopicsRegex: 'clicks-acks-.*',
  rabbitQueues: ['clicks-confirmed', 'clicks-confirmed.dlq', 'clicks-unconfirmed'],
  rabbitExchanges: ['clicks', 'clicks-confirmed.dlx'],
  redisKeys: ['clicks:stream', 'clicks:stream:dead', 'clicks:live:dead'],
} as const;

/** The validated bench stack (dev profile: single-node replication, as brokers.mjs runs). */
export function benchSpec(): StackSpec {
  const built = buildSpec({ name: 'bench', scenario: 'hybrid', brokers: recommendedBrokers('hybrid'), profile: 'dev', targets: ['compose'], decision: { overridden: false } });
  built.channels = CHANNELS;
  // Quorum queues, as the prod profile has them (the dev profile's classic queues are measured in bench/notes.md).
  if (built.brokers.rabbitmq) built.brokers.rabbitmq.dev.queueType = 'quorum';
  // Streams need a Redis that never evicts and persists every second: the defaults of a stack whose seeds have a stream.
  built.brokers.redis = buildSpec({ name: 'bench', scenario: 'queue-and-cache', brokers: ['redis'], profile: 'dev', targets: ['compose'], decision: { overridden: true } }).brokers.redis;
  const parsed = parseSpec(built);
  if (!parsed.ok) throw new Error(`invalid bench spec:\n${parsed.issues.map(formatIssue).join('\n')}`);
  return parsed.spec;
}
