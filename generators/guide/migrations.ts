/**
 * The guide's "Migration Patterns" as data: which brokers each pattern moves between, the guide's
 * own words for it, and its phases (what runs in each, how to check it, how to go back). The
 * migration kit (emit/migrations.ts), its runbook and the README's phase diagram read this.
 */
import type { BrokerId } from './brokers.ts';

export const MIGRATION_PATTERNS = ['rabbitmq-to-kafka', 'redis-pubsub-to-streams'] as const;
export type MigrationPattern = (typeof MIGRATION_PATTERNS)[number];

export function isMigrationPattern(value: string): value is MigrationPattern {
  return (MIGRATION_PATTERNS as readonly string[]).includes(value);
}

export interface MigrationPhase {
  /** Short name, used as the phase's heading and diagram node. */
  readonly title: string;
  /** What runs during the phase (the generated code that does it is named in the runbook). */
  readonly does: string;
  /** The guide's strategy steps this phase carries out. */
  readonly guideSteps: readonly string[];
  /** How to know the phase is done. */
  readonly exit: string;
  /** How to go back to the previous phase. */
  readonly rollback: string;
}

export interface MigrationGuide {
  readonly title: string;
  /** The channel kinds on each side: `from` is retired, `to` takes over. */
  readonly from: { readonly broker: BrokerId; readonly kind: 'queue' | 'pubsub' };
  readonly to: { readonly broker: BrokerId; readonly kind: 'topic' | 'stream' };
  /** What the guide says the move gains. */
  readonly benefits: readonly string[];
  readonly phases: readonly MigrationPhase[];
  /** Stream length the guide trims to (`maxlen=100000`), for a stream the kit adds; undefined for other targets. */
  readonly streamMaxLen?: number;
}

export const MIGRATIONS: Readonly<Record<MigrationPattern, MigrationGuide>> = {
  'rabbitmq-to-kafka': {
    title: 'RabbitMQ to Kafka',
    from: { broker: 'rabbitmq', kind: 'queue' },
    to: { broker: 'kafka', kind: 'topic' },
    benefits: ['Use the record key for partition locality: one key\'s messages stay in order', 'Replay and retention: the log stays after it is read'],
    phases: [
      {
        title: 'Dual-write',
        does: 'Every publish goes to the RabbitMQ queue and to the Kafka topic with the same envelope (same message id); the outcome on each side is reported separately.',
        guideSteps: ['Dual-write to both systems', 'Verify message delivery in Kafka'],
        exit: 'verify reports 0 missing over a window of normal traffic (every id published to RabbitMQ is in Kafka).',
        rollback: 'Stop dual-writing: publish to RabbitMQ only. Nothing reads Kafka yet, so nothing else changes.',
      },
      {
        title: 'Consumers on Kafka',
        does: 'Consumers move to the Kafka topic one by one; each skips a message id it has already processed, so a message seen on both sides (or redelivered) is handled once.',
        guideSteps: ['Migrate consumers one by one'],
        exit: 'Every consumer reads Kafka; the RabbitMQ queue is drained and its consumers are stopped.',
        rollback: 'Start the consumer on RabbitMQ again and stop its Kafka consumer; writes still go to both, so neither side has missed a message.',
      },
      {
        title: 'Cut-over',
        does: 'Publishers stop writing to RabbitMQ; Kafka is the only path.',
        guideSteps: ['Disable RabbitMQ publishing'],
        exit: 'The RabbitMQ queue stays empty (no publisher left) for a full business cycle; then remove the channel from brokerplate.yaml.',
        rollback: 'Turn dual-writing back on (phase 1) and move consumers back to RabbitMQ; messages published to Kafka alone during the cut-over are replayed into RabbitMQ from the topic if needed.',
      },
    ],
  },
  'redis-pubsub-to-streams': {
    title: 'Redis Pub/Sub to Redis Streams',
    from: { broker: 'redis', kind: 'pubsub' },
    to: { broker: 'redis', kind: 'stream' },
    benefits: ['Message persistence', 'Consumer groups', 'Message acknowledgment', 'Replay capability'],
    streamMaxLen: 100_000,
    phases: [
      {
        title: 'Bridge',
        does: 'A bridge subscribes to the Pub/Sub channel and appends every message to the stream (XADD with MAXLEN) with its envelope unchanged; publishers keep publishing on Pub/Sub.',
        guideSteps: ['redis.publish(\'events\', …) stays', 'redis.xadd(\'events\', event, maxlen=100000) receives a copy'],
        exit: 'The stream grows with every published message (bridge counts: received = appended).',
        rollback: 'Stop the bridge; Pub/Sub subscribers never stopped.',
      },
      {
        title: 'Consumer groups',
        does: 'Subscribers become stream consumers in consumer groups: each message is acknowledged, and one left unacknowledged by a crashed consumer is claimed by another.',
        guideSteps: ['Consumer groups', 'Message acknowledgment'],
        exit: 'Every subscriber reads the stream through its group; no Pub/Sub subscriber is left.',
        rollback: 'Subscribe on Pub/Sub again; the stream keeps filling through the bridge.',
      },
      {
        title: 'Cut-over',
        does: 'Publishers append to the stream directly; the bridge is stopped.',
        guideSteps: ['Message persistence', 'Replay capability'],
        exit: 'The Pub/Sub channel has no publisher and no subscriber; then remove it from brokerplate.yaml.',
        rollback: 'Publish on Pub/Sub again and start the bridge.',
      },
    ],
  },
};
