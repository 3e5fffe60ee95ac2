/**
 * FAULT: each broker process is SIGKILLed and restarted in the middle of a stream of 10,000
 * at-least-once messages published and consumed through the generated clients. Every message
 * whose publish was acknowledged (confirm / XADD reply / acks=all) must be consumed at least once;
 * the duplicates that at-least-once allows are counted and printed.
 *
 * These brokers are private to this file (own state dir and ports, purged before and after), so
 * killing them cannot disturb other test files using the shared brokers.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisDefaults } from '../../generators/stack/defaults.ts';
import type { Channel, KafkaTopicChannel, RabbitQueueChannel, RedisStreamChannel, StackSpec } from '../../generators/stack/index.ts';
import { brokersCli, parseEnvLines, type BrokerName } from '../support/global-brokers.ts';
import { importMessaging, type MessagingModule, type Payload, type Subscription } from './api.ts';
import { acquireLock, eventually, generateProject, specFor, WORK } from './support.ts';

const N = 10_000;
const CONCURRENCY = 64;

/** Ports 26501-26508 (below the ephemeral range, 32768+, so no outgoing connection holds one) and a state dir of our own (brokers.mjs reads them from the environment). */
const FAULT_ENV: Readonly<Record<string, string>> = {
  BROKERS_STATE_DIR: join(WORK, 'fault-brokers'),
  REDIS_PORT: '26501',
  REDIS_PASSWORD: '',
  RABBITMQ_PORT: '26502',
  RABBITMQ_MANAGEMENT_PORT: '26503',
  RABBITMQ_PROMETHEUS_PORT: '26504',
  RABBITMQ_DIST_PORT: '26505',
  RABBITMQ_EPMD_PORT: '26506',
  RABBITMQ_NODENAME: 'brokerplate-fault@localhost',
  KAFKA_PORT: '26507',
  KAFKA_CONTROLLER_PORT: '26508',
};

async function cli(args: string[]): Promise<string> {
  const r = await brokersCli(args, FAULT_ENV);
  if (r.code !== 0) throw new Error(`brokers.mjs ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

function faultChannels(seeded: Channel[]): Channel[] {
  const events = seeded.find((c) => c.broker === 'kafka') as KafkaTopicChannel | undefined;
  const tasks = seeded.find((c) => c.broker === 'rabbitmq') as RabbitQueueChannel | undefined;
  if (!events || !tasks) throw new Error('the hybrid seeds changed');
  const message = { type: 'Job', version: 1, fields: { n: { type: 'integer', minimum: 0 }, note: { type: 'string' } } } as const;
  const stream: RedisStreamChannel = { name: 'jobs', broker: 'redis', kind: 'stream', semantics: 'at-least-once', consumerGroups: ['workers'], maxLen: 1_000_000, maxDeliveries: 20, message: structuredClone(message) };
  const queue: RabbitQueueChannel = { ...tasks, name: 'work', exchange: 'work', exchangeType: 'direct', bindings: [{ routingKey: 'work' }], prefetch: 100, message: structuredClone(message) };
  delete queue.maxPriority;
  const topic: KafkaTopicChannel = { ...events, name: 'ledger', key: undefined, consumerGroups: ['auditors'], message: structuredClone(message) };
  return [stream, queue, topic];
}

let spec: StackSpec;
let root: string;
let env: Record<string, string>;
let mod: MessagingModule;
const quiet = process.env.DEBUG_CLIENTS ? {} : { log: () => undefined };
const policy = { retry: { retries: 20, baseMs: 100, maxMs: 2_000 } };

let release: (() => void) | undefined;

beforeAll(async () => {
  // One fault run at a time on this machine: the brokers' ports and state dir are fixed.
  release = await acquireLock(join(WORK, 'fault-brokers.lock'));
  // Streams need a Redis that never evicts (role: queue); the hybrid seeds only use Redis as a cache.
  spec = specFor('hybrid', { channels: faultChannels, edit: (s) => void (s.brokers.redis = redisDefaults('queue')) });
  await cli(['down', '--purge']);
  const [generated, up] = await Promise.all([generateProject('fault', spec), cli(['up', 'redis', 'rabbitmq', 'kafka'])]);
  root = generated;
  env = parseEnvLines(up);
  mod = await importMessaging(root);
}, 300_000);

afterAll(async () => {
  await cli(['down', '--purge']).catch((error: unknown) => console.error(error));
  release?.();
});

interface Harness {
  /** Messages per publish call (Kafka sends batches, as a producer would). */
  batch: number;
  /** Publishes messages first..first+count-1; resolves once the broker acknowledged all of them. */
  publish(first: number, payloads: Payload[]): Promise<unknown>;
  consume(onMessage: (id: string) => void): Promise<Subscription>;
  close(): Promise<void>;
}

/**
 * Publishes N messages (CONCURRENCY in flight); when a third are acknowledged, kills the broker and
 * starts it again. A publish that still fails after the client's own retries is retried by the
 * test with the same message id, so "acknowledged" always means the broker confirmed it.
 */
async function survive(broker: BrokerName, harness: Harness): Promise<{ failures: number }> {
  const received = new Map<string, number>();
  const subscription = await harness.consume((id) => received.set(id, (received.get(id) ?? 0) + 1));
  const acknowledged = new Set<string>();
  let failures = 0;
  let next = 0;
  let outage: Promise<number> | undefined;
  const t0 = Date.now();
  const worker = async () => {
    for (let first = next; first < N; first = next) {
      next += harness.batch;
      const ids = Array.from({ length: Math.min(harness.batch, N - first) }, (_, k) => `${broker}-${first + k}`);
      for (;;) {
        try {
          await harness.publish(first, ids.map((id, k) => ({ n: first + k, note: id })));
          break;
        } catch {
          failures++;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      for (const id of ids) acknowledged.add(id);
      if (!outage && acknowledged.size >= N / 3) {
        outage = (async () => {
          const k0 = Date.now();
          await cli(['kill', broker]);
          await new Promise((r) => setTimeout(r, 500));
          await cli(['start', broker]);
          return Date.now() - k0;
        })();
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const publishedMs = Date.now() - t0;
  const downMs = await (outage ?? Promise.resolve(0));
  await eventually(`every acknowledged ${broker} message to be consumed`, () => [...acknowledged].every((id) => received.has(id)), 180_000);
  const consumedMs = Date.now() - t0;
  await new Promise((r) => setTimeout(r, 500));
  await subscription.close();
  await harness.close();
  const lost = [...acknowledged].filter((id) => !received.has(id));
  const deliveries = [...received.values()].reduce((a, b) => a + b, 0);
  const duplicates = deliveries - received.size;
  console.log(`[fault] ${broker}: killed and restarted in ${(downMs / 1000).toFixed(1)} s mid-stream; ${acknowledged.size} acknowledged, ${received.size} consumed, ${lost.length} lost, ${duplicates} duplicate deliveries, ${failures} publishes retried by the test; all published after ${(publishedMs / 1000).toFixed(1)} s, all consumed after ${(consumedMs / 1000).toFixed(1)} s`);
  expect(acknowledged.size).toBe(N);
  expect(lost).toEqual([]);
  expect(downMs).toBeGreaterThan(0);
  return { failures };
}

describe('FAULT: a broker killed and restarted mid-stream loses no acknowledged message', () => {
  it('Redis stream (AOF, XADD acknowledged, XACK after processing)', async () => {
    const redis = new mod.RedisMessaging(mod.redisSettings({ REDIS_URL: env.REDIS_URL }), { ...quiet, ...policy });
    await redis.connect();
    await survive('redis', {
      batch: 1,
      publish: (i, [payload]) => redis.append('jobs', payload ?? {}, { id: `redis-${i}` }),
      consume: (on) => redis.consumeStream('jobs', { group: 'workers', count: 200, handler: ({ payload }) => on(String(payload.note)) }),
      close: () => redis.close(),
    });
  }, 300_000);

  it('RabbitMQ queue (publisher confirms, persistent messages, manual acks)', async () => {
    const rabbit = new mod.RabbitMessaging(mod.rabbitmqSettings({ RABBITMQ_URL: env.RABBITMQ_URL }), { ...quiet, ...policy });
    await rabbit.declareTopology();
    await survive('rabbitmq', {
      batch: 1,
      publish: (i, [payload]) => rabbit.publish('work', payload ?? {}, { id: `rabbitmq-${i}` }),
      consume: (on) => rabbit.consume('work', { handler: ({ payload }) => on(String(payload.note)) }),
      close: () => rabbit.close(),
    });
  }, 300_000);

  it('Kafka topic (acks=all + idempotent producer, commit after processing)', async () => {
    const kafka = new mod.KafkaMessaging(mod.kafkaSettings({ KAFKA_BROKERS: env.KAFKA_BROKERS }), { ...quiet, ...policy });
    await kafka.ensureTopics();
    const { failures } = await survive('kafka', {
      batch: 50,
      // One request per batch; the envelope ids are generated (the test tracks the payloads' notes).
      publish: (_first, payloads) => kafka.publishMany('ledger', payloads),
      consume: (on) => kafka.consume('ledger', { group: 'auditors', handler: ({ payload }) => on(String(payload.note)) }),
      close: () => kafka.close(),
    });
    // The outage is far shorter than the delivery timeout (120 s): the client retried on its own.
    expect(failures).toBe(0);
  }, 300_000);
});

describe('FAULT Kafka: the delivery timeout (KAFKA_DELIVERY_TIMEOUT_MS)', () => {
  it('a publish() made while the broker is down resolves once it is back; with a short timeout it rejects (KafkaDeliveryError) after the timeout, and that record is never written', async () => {
    const settings = (timeout?: string) => mod.kafkaSettings({ KAFKA_BROKERS: env.KAFKA_BROKERS, ...(timeout !== undefined && { KAFKA_DELIVERY_TIMEOUT_MS: timeout }) });
    const TIMEOUT_MS = 3_000;
    const patient = new mod.KafkaMessaging(settings(), quiet);
    const hasty = new mod.KafkaMessaging(settings(String(TIMEOUT_MS)), quiet);
    await patient.ensureTopics();
    const received = new Map<string, number>();
    const subscription = await patient.consume('ledger', { group: 'delivery-timeout', from: 'latest', handler: ({ payload }) => void received.set(String(payload.note), (received.get(String(payload.note)) ?? 0) + 1) });
    // Both clients know the topic's partitions before the broker goes away.
    await Promise.all([patient.publish('ledger', { n: 0, note: 'before-patient' }), hasty.publish('ledger', { n: 0, note: 'before-hasty' })]);
    await cli(['kill', 'kafka']);
    const t0 = Date.now();
    const waited = patient.publish('ledger', { n: 1, note: 'through-the-outage' }).then(() => Date.now() - t0);
    const refused = await hasty.publish('ledger', { n: 2, note: 'too-late' }).then(
      () => undefined,
      (error: unknown) => ({ error, ms: Date.now() - t0 }),
    );
    await cli(['start', 'kafka']);
    const waitedMs = await waited;
    await eventually('the record published during the outage', () => received.has('through-the-outage'), 120_000);
    await new Promise((r) => setTimeout(r, 1_000));
    await subscription.close();
    await Promise.all([patient.close(), hasty.close()]);
    console.log(`[fault] kafka delivery timeout: rejected after ${refused?.ms} ms (timeout ${TIMEOUT_MS} ms); the patient publish resolved after ${waitedMs} ms`);
    expect(mod.KafkaDeliveryError).toBeDefined();
    expect(refused?.error).toBeInstanceOf(mod.KafkaDeliveryError as NonNullable<MessagingModule['KafkaDeliveryError']>);
    // Not before the timeout; after it, within the last attempt's retries (backoff ≤ 1 s).
    expect(refused?.ms).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(refused?.ms).toBeLessThan(TIMEOUT_MS + 5_000);
    expect(waitedMs).toBeGreaterThan(refused?.ms ?? 0);
    expect(received.get('through-the-outage')).toBe(1);
    expect(received.has('too-late')).toBe(false);
  }, 300_000);
});
