import type { BrokerId } from './brokers.ts';

/** The guide's Message Delivery Semantics table. */
export const SEMANTICS = ['at-most-once', 'at-least-once', 'exactly-once'] as const;
export type Semantics = (typeof SEMANTICS)[number];

export interface SemanticsSupport {
  /** Whether the broker gives this guarantee natively (the generator only emits native guarantees). */
  readonly native: boolean;
  /** The guide's cell: how the broker achieves it, or why it cannot. */
  readonly how: string;
}

export const DELIVERY_SEMANTICS: Readonly<Record<BrokerId, Readonly<Record<Semantics, SemanticsSupport>>>> = {
  kafka: {
    'at-most-once': { native: true, how: 'acks=0' },
    'at-least-once': { native: true, how: 'acks=1, acks=all' },
    'exactly-once': { native: true, how: 'Transactions + idempotent producer' },
  },
  rabbitmq: {
    'at-most-once': { native: true, how: 'auto-ack=true' },
    'at-least-once': { native: true, how: 'manual ack' },
    'exactly-once': { native: false, how: 'Not native (app-level dedup)' },
  },
  redis: {
    'at-most-once': { native: true, how: 'Pub/Sub default' },
    'at-least-once': { native: true, how: 'Streams + ack' },
    'exactly-once': { native: false, how: 'Not supported' },
  },
};
