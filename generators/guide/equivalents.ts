/**
 * Where a channel goes when `--brokers` leaves out the broker a scenario puts it on: its closest
 * equivalent on each other broker, or the guide's reason there is none. Read with the delivery
 * semantics table (semantics.ts): the channel keeps its guarantee only where the target broker
 * gives it natively; otherwise the run is refused with that table's cell.
 */
import type { BrokerId } from './brokers.ts';

/** A channel's shape as the guide tells them apart; a RabbitMQ queue fed by pattern or header routing is its own shape. */
export type ChannelShape = 'kafka/topic' | 'rabbitmq/queue' | 'rabbitmq/routed-queue' | 'rabbitmq/rpc' | 'redis/pubsub' | 'redis/stream';

export type Equivalent =
  | {
      /** The kind of channel it becomes on the target broker. */
      readonly kind: 'topic' | 'queue' | 'stream';
      /** Why this is the closest, in the guide's words. */
      readonly why: string;
      /** What the original had that the equivalent does not. */
      readonly loses?: string;
    }
  | { readonly refused: string };

/** Per shape, the other brokers in order of preference (the first chosen one with an equivalent wins). */
export const EQUIVALENTS: Readonly<Record<ChannelShape, Readonly<Partial<Record<BrokerId, Equivalent>>>>> = {
  'kafka/topic': {
    redis: {
      kind: 'stream',
      why: 'Redis Streams are the guide\'s "lightweight event sourcing": persistent, "similar to Kafka but simpler", with consumer groups and replay ("Yes (Streams only)")',
      loses: 'partitions (a stream is one ordered log) and retention by time (a stream is trimmed by length)',
    },
    rabbitmq: {
      refused: 'a topic is a log its consumer groups read at their own pace and replay, and RabbitMQ removes a message once it is acknowledged (the guide: retention "Until consumed", replay "No (without plugins)")',
    },
  },
  'rabbitmq/queue': {
    redis: {
      kind: 'stream',
      why: 'a job queue on Redis is a Stream read by one consumer group (the guide\'s "Temporary work queues"; at-least-once = "Streams + ack"); Pub/Sub would drop every job no worker is listening for',
      loses: 'message priorities (Redis has none) and per-message TTL',
    },
    kafka: {
      kind: 'topic',
      why: 'the guide\'s "From RabbitMQ to Kafka" migration: the queue becomes a topic its workers share as one consumer group',
      loses: 'message priorities and per-message TTL (Kafka orders by partition and keeps by retention)',
    },
  },
  'rabbitmq/routed-queue': {
    kafka: { refused: 'the queue receives the subset of messages its bindings select by pattern or headers (the guide\'s complex routing: "Different consumers need different message subsets"), and Kafka routes only by topic and key' },
    redis: { refused: 'the queue receives the subset of messages its bindings select by pattern or headers (the guide\'s complex routing), and Redis has no exchanges or routing rules' },
  },
  'rabbitmq/rpc': {
    kafka: { refused: 'request-reply ("Synchronous-style communication over async transport") needs a reply routed back to each caller; the guide chooses RabbitMQ for RPC' },
    redis: { refused: 'request-reply ("Synchronous-style communication over async transport") needs a reply routed back to each caller; the guide chooses RabbitMQ for RPC' },
  },
  'redis/pubsub': {
    kafka: {
      kind: 'topic',
      why: 'every consumer group of a topic receives every message, as every subscriber of a channel does; at-most-once = "acks=0"',
      loses: 'nothing of the fire-and-forget delivery; Kafka also keeps the messages for a day',
    },
    rabbitmq: {
      kind: 'queue',
      why: 'a fanout exchange "copies every message to every bound queue"; at-most-once = "auto-ack=true"',
      loses: 'broadcast to every subscriber: consumers of the one generated queue share its messages (bind a queue per subscriber to the exchange for broadcast)',
    },
  },
  'redis/stream': {
    kafka: { kind: 'topic', why: 'a stream is the guide\'s Kafka-like log: its consumer groups become Kafka consumer groups' },
    rabbitmq: {
      kind: 'queue',
      why: 'a stream read by a consumer group is a work queue; at-least-once = "manual ack"',
      loses: 'replay and more than one consumer group (RabbitMQ removes a message once it is acknowledged)',
    },
  },
};
