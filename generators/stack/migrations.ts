/**
 * `--migration <pattern>`: adds a migration to a freshly built spec, with the channels it needs
 * (the target channel, and for RabbitMQ → Kafka the tap queue verify reads), built from the channel
 * it migrates with the guide's equivalents (translate.ts). A run on an existing spec edits
 * `migrations:` in brokerplate.yaml instead.
 */
import { BROKERS, MIGRATIONS, type MigrationPattern } from '../guide/index.ts';
import { redisDefaults } from './defaults.ts';
import { moveChannel } from './translate.ts';
import type { Channel, KafkaTopicChannel, RabbitQueueChannel, RedisPubSubChannel, RedisStreamChannel, StackSpec } from './types.ts';

/** Thrown when the stack has nothing the pattern can migrate; the message says why. */
export class MigrationRefusedError extends Error {
  override name = 'MigrationRefusedError';
}

function rabbitToKafka(spec: StackSpec): StackSpec {
  const reasons: string[] = [];
  for (const from of spec.channels) {
    if (from.broker !== 'rabbitmq' || from.kind !== 'queue') continue;
    const moved = moveChannel(from, 'kafka');
    if (!moved.ok || moved.channel.broker !== 'kafka') {
      reasons.push(`${from.name}: ${moved.ok ? 'no Kafka topic' : moved.reasons.join('; ')}`);
      continue;
    }
    const name = `${moved.channel.name}.kafka`;
    const verifyGroup = `${name}-verify`;
    const to: KafkaTopicChannel = {
      ...(moved.channel as KafkaTopicChannel),
      name,
      description: `The Kafka side of the migration of ${from.name} (rabbitmq-to-kafka): dual-written, then read by the moved consumers.`,
      consumerGroups: [...(moved.channel as KafkaTopicChannel).consumerGroups, verifyGroup],
    };
    const tap: RabbitQueueChannel = {
      ...from,
      name: `${from.name}.verify`,
      description: `A copy of every message of ${from.name} (the same exchange and bindings), read by the migration's verify command.`,
      deadLetter: false,
      messageTtl: '1d',
      prefetch: 100,
    };
    delete tap.maxPriority;
    return { ...spec, channels: [...spec.channels, to, tap], migrations: [...(spec.migrations ?? []), { pattern: 'rabbitmq-to-kafka', from: from.name, to: name, tap: tap.name, verifyGroup }] };
  }
  throw new MigrationRefusedError(`the stack has no RabbitMQ queue a Kafka topic can take over${reasons.length ? ` (${reasons.join('; ')})` : ''}`);
}

function pubSubToStreams(spec: StackSpec): StackSpec {
  const from = spec.channels.find((c): c is RedisPubSubChannel => c.broker === 'redis' && c.kind === 'pubsub');
  const redis = spec.brokers.redis;
  if (!from || !redis) throw new MigrationRefusedError('the stack has no Redis Pub/Sub channel to move to a stream');
  const to: RedisStreamChannel = {
    name: `${from.name}:stream`,
    description: `The stream taking over ${from.name} (redis-pubsub-to-streams): filled by the bridge, read by consumer groups.`,
    broker: 'redis',
    kind: 'stream',
    semantics: 'at-least-once',
    message: from.message,
    consumerGroups: [`${from.name.replace(/[^A-Za-z0-9._-]+/g, '-')}-subscribers`],
    maxLen: MIGRATIONS['redis-pubsub-to-streams'].streamMaxLen ?? 100_000,
    maxDeliveries: 5,
  };
  // A stream must never be evicted: Redis becomes a queue-role Redis (noeviction, append-only file).
  const queue = redisDefaults('queue');
  const brokers = { ...spec.brokers, redis: { ...redis, role: queue.role, persistence: queue.persistence, evictionPolicy: queue.evictionPolicy } };
  const channels: Channel[] = [...spec.channels, to];
  return { ...spec, brokers, channels, migrations: [...(spec.migrations ?? []), { pattern: 'redis-pubsub-to-streams', from: from.name, to: to.name }] };
}

/** The spec with the pattern's migration and the channels it needs, or MigrationRefusedError. */
export function addMigration(spec: StackSpec, pattern: MigrationPattern): StackSpec {
  const guide = MIGRATIONS[pattern];
  const missing = [guide.from.broker, guide.to.broker].filter((b, i, all) => all.indexOf(b) === i && !spec.brokers[b]);
  if (missing.length > 0) throw new MigrationRefusedError(`needs ${missing.map((b) => BROKERS[b].title).join(' and ')} in the stack (add ${missing.join(',')} to --brokers)`);
  return pattern === 'rabbitmq-to-kafka' ? rabbitToKafka(spec) : pubSubToStreams(spec);
}
