/**
 * The generated clients, as the repo tests see them: the generated project is emitted at test
 * time, so its modules are imported dynamically and typed here structurally (only what the tests
 * use). The generated project's own `tsc --noEmit` checks the real types.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export type Payload = Record<string, unknown>;

export interface Envelope {
  readonly id: string;
  readonly correlationId: string;
  readonly type: string;
  readonly version: number;
  readonly time: string;
  readonly traceparent?: string;
  readonly data: Payload;
}

export interface Subscription {
  readonly channel: string;
  close(): Promise<void>;
}

export interface EnvelopeOptions {
  id?: string;
  correlationId?: string;
  traceparent?: string;
}

export interface RetryPolicy {
  retries: number;
  baseMs: number;
  maxMs: number;
}

type Log = (message: string, error?: unknown) => void;

export interface ClientOptions {
  retry?: RetryPolicy;
  log?: Log;
}

// ---------------------------------------------------------------- Redis

export interface RedisCommands {
  xRange(key: string, start: string, end: string): Promise<Array<{ id: string; message: Record<string, string> }> | null>;
  xLen(key: string): Promise<number>;
  xPending(key: string, group: string): Promise<{ pending: number; consumers: Array<{ name: string; deliveriesCounter: number }> | null }>;
  xPendingRange(key: string, group: string, start: string, end: string, count: number): Promise<Array<{ id: string; consumer: string; deliveriesCounter: number }>>;
  xGroupCreate(key: string, group: string, id: string, options?: { MKSTREAM?: boolean }): Promise<unknown>;
  xAdd(key: string, id: string, fields: Record<string, string>): Promise<string>;
  publish(channel: string, message: string): Promise<number>;
  set(key: string, value: string): Promise<unknown>;
  exists(key: string): Promise<number>;
  del(keys: string | string[]): Promise<number>;
}

export interface RedisSettings {
  readonly url?: string;
  readonly sentinel?: { readonly nodes: readonly { host: string; port: number }[]; readonly masterName: string; readonly addressMap: Readonly<Record<string, { host: string; port: number }>>; readonly username: string; readonly password: string };
  readonly clientName: string;
  readonly ackReplicas?: number;
  readonly ackTimeoutMs?: number;
}

export interface RedisMessaging {
  readonly client: RedisCommands;
  connect(): Promise<void>;
  publish(channel: string, payload: Payload, options?: EnvelopeOptions): Promise<{ envelope: Envelope; receivers: number }>;
  publishMany(channel: string, payloads: Payload[], options?: EnvelopeOptions): Promise<Array<{ envelope: Envelope; receivers: number }>>;
  subscribe(channel: string, handler: (m: { channel: string; envelope: Envelope; payload: Payload }) => unknown): Promise<Subscription>;
  append(stream: string, payload: Payload, options?: EnvelopeOptions): Promise<{ envelope: Envelope; entryId: string }>;
  appendMany(stream: string, payloads: Payload[], options?: EnvelopeOptions): Promise<Array<{ envelope: Envelope; entryId: string }>>;
  consumeStream(
    stream: string,
    options: {
      group: string;
      consumer?: string;
      handler: (e: { entryId: string; envelope: Envelope; payload: Payload; redelivered: boolean }) => unknown;
      count?: number;
      blockMs?: number;
      claimIdleMs?: number;
      recoverEveryMs?: number;
      concurrency?: number;
    },
  ): Promise<Subscription>;
  invalidateCache(keys: string[], reason?: string): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- RabbitMQ

export interface RabbitChannel {
  queueDeclare(params: { queue: string; durable?: boolean; passive?: boolean; arguments?: Record<string, unknown> }): Promise<{ queue: string; messageCount: number }>;
  queueDelete(params: { queue: string }): Promise<unknown>;
  exchangeDelete(params: { exchange: string }): Promise<unknown>;
  basicGet(params: { queue: string; noAck?: boolean }): Promise<{ body: unknown; headers?: Record<string, unknown> } | undefined>;
  queueBind(params: { queue: string; exchange: string; routingKey: string }): Promise<void>;
  queueUnbind(params: { queue: string; exchange: string; routingKey: string }): Promise<void>;
  close(): Promise<void>;
}

export interface RabbitConnection {
  acquire(): Promise<RabbitChannel>;
  createPublisher(props: { confirm?: boolean }): { send(envelope: Record<string, unknown>, body: Buffer): Promise<void>; close(): Promise<void> };
}

export interface RabbitSettings {
  url: string;
  hosts: readonly string[];
  connectionName: string;
  tls?: { ca?: string };
}

export interface RabbitMessaging {
  readonly connection: RabbitConnection;
  declareTopology(): Promise<void>;
  publish(queue: string, payload: Payload, options?: EnvelopeOptions & { priority?: number; routingKey?: string; headers?: Record<string, string> }): Promise<Envelope>;
  publishMany(queue: string, payloads: Payload[], options?: EnvelopeOptions & { priority?: number; routingKey?: string; headers?: Record<string, string> }): Promise<Envelope[]>;
  consume(
    queue: string,
    options: {
      handler: (d: { envelope: Envelope; payload: Payload; redelivered: boolean; routingKey: string; priority: number | undefined }) => unknown;
      prefetch?: number;
      concurrency?: number;
    },
  ): Promise<Subscription>;
  call(channel: string, request: Payload, options?: EnvelopeOptions): Promise<Payload>;
  serve(channel: string, handler: (request: Payload, envelope: Envelope) => Payload | Promise<Payload>): Promise<Subscription>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- Kafka

export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: string | undefined;
  readonly envelope: Envelope;
  readonly payload: Payload;
}

export interface KafkaMessaging {
  ensureTopics(): Promise<void>;
  publish(topic: string, payload: Payload, options?: EnvelopeOptions): Promise<Envelope>;
  publishMany(topic: string, payloads: Payload[], options?: EnvelopeOptions): Promise<Envelope[]>;
  transaction<T>(work: (tx: { publish(topic: string, payload: Payload, options?: EnvelopeOptions): Promise<Envelope> }) => Promise<T>): Promise<T>;
  consume(topic: string, options: { group: string; handler: (r: KafkaRecord) => unknown; from?: 'earliest' | 'latest'; maxAttempts?: number; sessionTimeoutMs?: number }): Promise<Subscription>;
  processExactlyOnce(
    topic: string,
    options: { group: string; transform: (r: KafkaRecord) => Array<{ topic: string; payload: Payload }> | Promise<Array<{ topic: string; payload: Payload }>>; from?: 'earliest' | 'latest'; maxAttempts?: number; batchSize?: number },
  ): Promise<Subscription>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- the module

export interface ChannelEntry {
  readonly name: string;
  readonly broker: string;
  readonly kind: string;
  readonly semantics: string;
  readonly deadLetter?: string;
  readonly message: { readonly type: string; readonly version: number };
  readonly [key: string]: unknown;
}

export interface MessagingModule {
  CHANNELS: Readonly<Record<string, ChannelEntry>>;
  ContractError: new (...args: never[]) => Error;
  /** Kafka projects: what an at-least-once publish rejects with (refused, or not acknowledged within the delivery timeout). */
  KafkaDeliveryError?: new (...args: never[]) => Error & { readonly failed: number; readonly refused: boolean };
  ENVELOPE_FIELD?: string;
  RedisMessaging: new (settings?: RedisSettings, options?: ClientOptions & { deliveryTimeoutMs?: number }) => RedisMessaging;
  RabbitMessaging: new (settings?: RabbitSettings, options?: ClientOptions & { deliveryTimeoutMs?: number; readyTimeoutMs?: number }) => RabbitMessaging;
  KafkaMessaging: new (settings?: { brokers: string[]; clientId: string; transactionalId: string; tls: boolean }, options?: ClientOptions) => KafkaMessaging;
  redisSettings(env?: Record<string, string | undefined>): RedisSettings;
  rabbitmqSettings(env?: Record<string, string | undefined>): RabbitSettings;
  kafkaSettings(env?: Record<string, string | undefined>): { brokers: string[]; clientId: string; transactionalId: string; tls: boolean };
}

/** Imports the generated project's src/messaging/index.ts (Node strips its types; its packages resolve from its node_modules). */
export async function importMessaging(root: string): Promise<MessagingModule> {
  return (await import(pathToFileURL(join(root, 'src', 'messaging', 'index.ts')).href)) as MessagingModule;
}

/** A payload of `channel` built from its valid sample with one field numbered. */
export function numbered(sample: Payload, field: string | undefined, i: number): Payload {
  return field ? { ...sample, [field]: `${String(sample[field])}-${i}` } : { ...sample };
}
