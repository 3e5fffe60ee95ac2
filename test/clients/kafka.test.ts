/**
 * The generated Kafka client against a real Kafka 4 (scripts/brokers, KRaft): a Kafka-only project
 * is generated, type-checked, and its client exercised: topics created from the spec, typed round
 * trips per semantics with per-key partition locality, group commits and resume, transactions that
 * are all-or-nothing for READ_COMMITTED readers, read-process-write, dead letters, SIGTERM shutdown.
 */
import { spawn } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, KafkaTopicChannel, StackSpec } from '../../generators/stack/index.ts';
import { useBrokers, type BrokerUrls } from '../support/global-brokers.ts';
import { importMessaging, type KafkaMessaging, type KafkaRecord, type MessagingModule, type Payload } from './api.ts';
import { channelSamples, eventually, generateProject, run as runIn, runSuffix, specFor, typecheck } from './support.ts';

const run = runSuffix();
const ORDERS = `order-events-${run}`;
const CLICKS = `clickstream-${run}`;
const VIEWS = `page-views-${run}`;
const BEATS = `heartbeats-${run}`;
const EOS_IN = `eos-input-${run}`;
const N = 300;

function kafkaChannels(seeded: Channel[]): Channel[] {
  const orders = seeded.find((c) => c.name === 'order-events') as KafkaTopicChannel | undefined;
  const clicks = seeded.find((c) => c.name === 'clickstream') as KafkaTopicChannel | undefined;
  if (!orders || !clicks) throw new Error('the seeds no longer have order-events and clickstream');
  return [
    { ...orders, name: ORDERS },
    { ...clicks, name: CLICKS },
    { ...clicks, name: VIEWS, semantics: 'exactly-once', key: 'page', consumerGroups: ['dashboards'], message: { type: 'PageView', version: 1, fields: { page: { type: 'string' }, userId: { type: 'string' }, sourceOffset: { type: 'integer', minimum: 0 } } } },
    { ...clicks, name: EOS_IN },
    { ...clicks, name: BEATS, semantics: 'at-most-once', key: undefined, consumerGroups: ['monitor'], message: { type: 'Heartbeat', version: 1, fields: { host: { type: 'string' }, at: { type: 'string', format: 'date-time' } } } },
  ];
}

// ---------------------------------------------------------------- a raw reader (the generated consumers always read committed)

interface RawRecord {
  value: string;
  key: string | undefined;
  partition: number;
  offset: bigint;
  headers: Map<string, string>;
}

interface RawKafka {
  Consumer: new (options: Record<string, unknown>) => {
    consume(options: Record<string, unknown>): Promise<{ on(event: 'data', cb: (m: RawRecord) => void): void; close(): Promise<void> }>;
    close(force?: boolean): Promise<void>;
  };
  Admin: new (options: Record<string, unknown>) => {
    metadata(options: { topics: string[] }): Promise<{ topics: Map<string, { partitionsCount: number }> }>;
    deleteTopics(options: { topics: string[] }): Promise<void>;
    close(): Promise<void>;
  };
  Producer: new (options: Record<string, unknown>) => { send(options: { messages: Array<Record<string, unknown>> }): Promise<unknown>; close(): Promise<void> };
  stringDeserializers: unknown;
  stringSerializers: unknown;
}

let raw: RawKafka;

/** This run's records on a topic, read from the start with a throw-away group; stops once `enough` or after `waitMs`. */
async function readTopic(topic: string, committedOnly: boolean, enough: (records: RawRecord[]) => boolean, waitMs = 15_000): Promise<RawRecord[]> {
  const consumer = new raw.Consumer({
    clientId: `reader-${runSuffix()}`,
    groupId: `reader-${runSuffix()}`,
    bootstrapBrokers: [urls.KAFKA_BROKERS],
    deserializers: raw.stringDeserializers,
    isolationLevel: committedOnly ? 1 : 0,
    maxWaitTime: 300,
  });
  const found: RawRecord[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], autocommit: false, mode: 'earliest', fallbackMode: 'earliest' });
    stream.on('data', (m) => void (m.value.includes(run) && found.push(m)));
    for (const end = Date.now() + waitMs; !enough(found) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  return found;
}

// ----------------------------------------------------------------

let spec: StackSpec;
let root: string;
let urls: { KAFKA_BROKERS: string } & BrokerUrls;
let mod: MessagingModule;
let kafka: KafkaMessaging;
// DEBUG_CLIENTS=1 shows what the clients log (reconnects, retries, dead letters).
const quiet = process.env.DEBUG_CLIENTS ? {} : { log: () => undefined };

const samples = channelSamples();
const { view, sample, invalid } = samples;
const idOf = (r: RawRecord) => (JSON.parse(r.value) as { id: string }).id;
const group = () => `g-${runSuffix()}`;

function client(): KafkaMessaging {
  return new mod.KafkaMessaging(mod.kafkaSettings({ KAFKA_BROKERS: urls.KAFKA_BROKERS, MESSAGING_CLIENT_ID: `t-${runSuffix()}` }), quiet);
}

beforeAll(async () => {
  spec = specFor('analytics-pipeline', { brokers: ['kafka'], channels: (seeded) => kafkaChannels([...seeded, ...specFor('event-sourcing').channels]) });
  samples.load(spec);
  const [generated, started] = await Promise.all([generateProject('kafka', spec), useBrokers(['kafka'])]);
  root = generated;
  if (!started.KAFKA_BROKERS) throw new Error('no KAFKA_BROKERS');
  urls = { ...started, KAFKA_BROKERS: started.KAFKA_BROKERS };
  process.env.KAFKA_BROKERS = urls.KAFKA_BROKERS;
  mod = await importMessaging(root);
  raw = (await import(pathToFileURL(createRequire(join(root, 'package.json')).resolve('@platformatic/kafka')).href)) as RawKafka;
  kafka = client();
  await kafka.ensureTopics();
});

afterAll(async () => {
  if (!kafka) return;
  await kafka.close();
  const admin = new raw.Admin({ clientId: 'cleanup', bootstrapBrokers: [urls.KAFKA_BROKERS] });
  await admin.deleteTopics({ topics: [ORDERS, CLICKS, VIEWS, BEATS, EOS_IN].flatMap((t) => [t, `${t}.dlq`]) }).catch(() => undefined);
  await admin.close();
});

describe('generated Kafka project', () => {
  it('type-checks (tsc --noEmit)', async () => {
    const r = await typecheck(root);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });

  it('creates every topic and its .dlq with the spec\'s partitions', async () => {
    const admin = new raw.Admin({ clientId: 'check', bootstrapBrokers: [urls.KAFKA_BROKERS] });
    const topics = [ORDERS, CLICKS, VIEWS, BEATS, EOS_IN].flatMap((t) => [t, `${t}.dlq`]);
    const metadata = await admin.metadata({ topics });
    await admin.close();
    for (const t of topics) expect(metadata.topics.get(t)?.partitionsCount).toBe(3); // the dev profile's partitions
  });

  it.each([
    ['exactly-once (transactional producer)', () => ORDERS, 'customerId'],
    ['at-least-once (acks=all, idempotent)', () => CLICKS, 'userId'],
  ])('round-trips N typed records, %s, field by field, one partition per key in publish order', async (_what, topicOf, keyField) => {
    const topic = topicOf();
    const got = new Map<string, KafkaRecord>();
    const consumer = await kafka.consume(topic, { group: group(), from: 'latest', handler: (r) => void (r.envelope.correlationId === run && got.set(r.envelope.id, r)) });
    const payloads = Array.from({ length: N }, (_, i) => ({ ...sample(topic), [keyField]: `key-${i % 7}`, ...(topic === ORDERS ? { amount: i, orderId: `o-${i}` } : { page: `/p/${i}` }) }));
    const sent = await kafka.publishMany(topic, payloads, { correlationId: run });
    await eventually('every record', () => got.size >= N);
    await consumer.close();
    const byKey = new Map<string, KafkaRecord[]>();
    for (const envelope of sent) {
      const record = got.get(envelope.id);
      expect(record?.payload).toEqual(envelope.data);
      expect(record?.key).toBe(envelope.data[keyField]);
      if (record) byKey.set(String(record.key), [...(byKey.get(String(record.key)) ?? []), record]);
    }
    expect(byKey.size).toBe(7);
    for (const records of byKey.values()) {
      expect(new Set(records.map((r) => r.partition)).size).toBe(1);
      const offsets = records.map((r) => r.offset);
      expect([...offsets].sort((a, b) => (a < b ? -1 : 1))).toEqual(offsets); // publish order kept per key
    }
  });

  it('sends concurrent publish() calls of one turn as one produce request per partition; each record arrives once, in per-key order', async () => {
    const sends: number[] = [];
    // @platformatic/kafka traces every send on this diagnostics channel (the start event carries the send's options).
    const SENDS = 'tracing:plt:kafka:producer:sends:start';
    const onSend = (ctx: unknown) => {
      const messages = (ctx as { options?: { messages?: Array<{ topic: string }> } }).options?.messages ?? [];
      if (messages.some((m) => m.topic === CLICKS)) sends.push(messages.length);
    };
    subscribe(SENDS, onSend);
    const tag = `coalesced-${run}`;
    const got = new Map<string, KafkaRecord>();
    const consumer = await kafka.consume(CLICKS, { group: group(), from: 'latest', handler: (r) => void (r.envelope.correlationId === tag && got.set(r.envelope.id, r)) });
    let sent: Array<{ id: string; data: Payload }>;
    try {
      // What a server does with one publish() per request: many in flight at once, none awaited before the next.
      sent = await Promise.all(Array.from({ length: N }, (_, i) => kafka.publish(CLICKS, { ...sample(CLICKS), userId: `key-${i % 5}`, page: `/c/${i}` }, { correlationId: tag })));
    } finally {
      unsubscribe(SENDS, onSend);
    }
    await eventually('every record', () => got.size >= N);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive by now
    await consumer.close();
    expect(got.size).toBe(N);
    // One request per partition the turn's records went to (a partition's request holds only its records).
    expect(sends.reduce((a, b) => a + b, 0)).toBe(N);
    expect(sends.length).toBe(new Set([...got.values()].map((r) => r.partition)).size);
    for (const envelope of sent) expect(got.get(envelope.id)?.payload).toEqual(envelope.data);
    for (let k = 0; k < 5; k++) {
      const ofKey = sent.filter((e) => e.data.userId === `key-${k}`).map((e) => got.get(e.id)?.offset ?? -1n);
      expect([...ofKey].sort((a, b) => (a < b ? -1 : 1))).toEqual(ofKey);
    }
  });

  it('publishMany() of more than one request may carry (over the broker\'s 1 MiB message.max.bytes per partition) goes out in several requests, every record once', async () => {
    const tag = `bulk-${run}`;
    const M = 12_000;
    const sends: number[] = [];
    const SENDS = 'tracing:plt:kafka:producer:sends:start';
    const onSend = (ctx: unknown) => {
      const messages = (ctx as { options?: { messages?: Array<{ topic: string }> } }).options?.messages ?? [];
      if (messages.some((m) => m.topic === CLICKS)) sends.push(messages.length);
    };
    const got = new Set<string>();
    const consumer = await kafka.consume(CLICKS, { group: group(), from: 'latest', handler: (r) => void (r.envelope.correlationId === tag && got.add(r.envelope.id)) });
    subscribe(SENDS, onSend);
    let sent: Array<{ id: string }>;
    try {
      // ~500 B per record on one key: about 6 MB for one partition.
      sent = await kafka.publishMany(CLICKS, Array.from({ length: M }, (_, i) => ({ ...sample(CLICKS), userId: 'bulk', page: `/bulk/${i}/${'p'.repeat(400)}` })), { correlationId: tag });
    } finally {
      unsubscribe(SENDS, onSend);
    }
    await eventually('every bulk record', () => got.size >= M, 60_000);
    await consumer.close();
    expect(sends.reduce((a, b) => a + b, 0)).toBe(M);
    expect(sends.length).toBeGreaterThan(6);
    expect(sent.every((e) => got.has(e.id))).toBe(true);
  });

  it('round-trips an at-most-once topic (acks=1, commit on fetch)', async () => {
    const got: Payload[] = [];
    const consumer = await kafka.consume(BEATS, { group: group(), from: 'latest', handler: ({ envelope, payload }) => void (envelope.correlationId === run && got.push(payload)) });
    const sent = Array.from({ length: 50 }, (_, i) => ({ host: `h${i}`, at: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString() }));
    await kafka.publishMany(BEATS, sent, { correlationId: run });
    await eventually('every heartbeat', () => got.length >= sent.length);
    await consumer.close();
    expect([...got].sort((a, b) => String(a.host).localeCompare(String(b.host)))).toEqual([...sent].sort((a, b) => a.host.localeCompare(b.host)));
  });

  it('commits a group\'s progress and resumes after a restart without re-reading committed records', async () => {
    const g = group();
    const first = await kafka.publishMany(CLICKS, Array.from({ length: 40 }, (_, i) => ({ ...sample(CLICKS), page: `/first/${i}` })), { correlationId: run });
    const firstRun: string[] = [];
    const c2 = await kafka.consume(CLICKS, { group: g, from: 'earliest', handler: ({ envelope }) => void (envelope.correlationId === run && firstRun.push(envelope.id)) });
    await eventually('the first batch', () => first.every((e) => firstRun.includes(e.id)));
    await c2.close();

    const second = await kafka.publishMany(CLICKS, Array.from({ length: 40 }, (_, i) => ({ ...sample(CLICKS), page: `/second/${i}` })), { correlationId: run });
    const secondRun: string[] = [];
    const c3 = await kafka.consume(CLICKS, { group: g, from: 'earliest', handler: ({ envelope }) => void (envelope.correlationId === run && secondRun.push(envelope.id)) });
    await eventually('the second batch', () => second.every((e) => secondRun.includes(e.id)));
    await new Promise((r) => setTimeout(r, 1_500)); // anything re-read would arrive by now
    await c3.close();
    expect(secondRun.filter((id) => first.some((e) => e.id === id))).toEqual([]);
    expect([...secondRun].sort()).toEqual(second.map((e) => e.id).sort());
  });

  it('makes a transaction all-or-nothing for a READ_COMMITTED reader', async () => {
    const aborted = `aborted-${run}`;
    await expect(
      kafka.transaction(async (tx) => {
        await tx.publish(ORDERS, sample(ORDERS), { correlationId: run, id: `${aborted}-1` });
        await tx.publish(VIEWS, sample(VIEWS), { correlationId: run, id: `${aborted}-2` });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    const committed = await kafka.transaction(async (tx) => [
      await tx.publish(ORDERS, sample(ORDERS), { correlationId: run, id: `committed-${run}-1` }),
      await tx.publish(VIEWS, sample(VIEWS), { correlationId: run, id: `committed-${run}-2` }),
    ]);
    const has = (records: RawRecord[], id: string) => records.some((r) => idOf(r) === id);
    // The aborted records were written to the log: an uncommitted reader sees them...
    const dirtyOrders = await readTopic(ORDERS, false, (rs) => has(rs, `${aborted}-1`) && has(rs, `committed-${run}-1`));
    expect(has(dirtyOrders, `${aborted}-1`)).toBe(true);
    // ...a committed reader sees the committed transaction whole and nothing of the aborted one.
    const orders = await readTopic(ORDERS, true, (rs) => has(rs, `committed-${run}-1`));
    const pageViews = await readTopic(VIEWS, true, (rs) => has(rs, `committed-${run}-2`));
    expect(has(orders, committed[0]?.id ?? '')).toBe(true);
    expect(has(pageViews, committed[1]?.id ?? '')).toBe(true);
    expect(has(orders, `${aborted}-1`)).toBe(false);
    expect(has(pageViews, `${aborted}-2`)).toBe(false);
  });

  it('reads, processes and writes exactly once: outputs and consumed offsets commit together, also across a restart', async () => {
    const g = group();
    let processed = 0;
    let failedOnce = false;
    const transform = (r: KafkaRecord) => {
      if (!failedOnce && r.payload.page === '/eos/3') {
        failedOnce = true;
        throw new Error('transient'); // retried inside processExactlyOnce
      }
      processed++;
      return [{ topic: VIEWS, payload: { page: String(r.payload.page), userId: String(r.payload.userId), sourceOffset: Number(r.offset) } }];
    };
    const inputs = await kafka.publishMany(EOS_IN, Array.from({ length: 30 }, (_, i) => ({ ...sample(CLICKS), page: `/eos/${i}`, userId: `u${i}` })), { correlationId: run });
    // Batches of 10: the first loop stops after a few transactions, the second one finishes.
    const p1 = await kafka.processExactlyOnce(EOS_IN, { group: g, transform, batchSize: 10 });
    await eventually('half of the inputs', () => processed >= 15);
    await p1.close();
    const p2 = await kafka.processExactlyOnce(EOS_IN, { group: g, transform, batchSize: 10 });
    const outputs = await readTopic(VIEWS, true, (rs) => rs.filter((r) => (JSON.parse(r.value) as { data: { page: string } }).data.page.startsWith('/eos/')).length >= 30, 30_000);
    await new Promise((r) => setTimeout(r, 1_000));
    await p2.close();
    const pages = outputs.map((r) => (JSON.parse(r.value) as { data: { page: string } }).data.page).filter((p) => p.startsWith('/eos/'));
    expect(pages.sort()).toEqual(inputs.map((e) => String(e.data.page)).sort());
    expect(failedOnce).toBe(true);
  });

  it('processes exactly once in batches: one transaction for many fetched records, every output once', async () => {
    const g = group();
    const tag = `eos-batch-${run}`;
    const commits: string[] = [];
    const TRANSACTIONS = 'tracing:plt:kafka:producer:transactions:start';
    const onTransaction = (ctx: unknown) => void ((ctx as { operation?: string }).operation === 'commit' && commits.push('commit'));
    const inputs = await kafka.publishMany(EOS_IN, Array.from({ length: 4 * N }, (_, i) => ({ ...sample(CLICKS), page: `/batch/${i}`, userId: `u${i}` })), { correlationId: tag });
    subscribe(TRANSACTIONS, onTransaction);
    let processed = 0;
    const loop = await kafka.processExactlyOnce(EOS_IN, {
      group: g,
      transform: (r) => {
        if (r.envelope.correlationId !== tag) return [];
        processed++;
        return [{ topic: VIEWS, payload: { page: String(r.payload.page), userId: String(r.payload.userId), sourceOffset: Number(r.offset) } }];
      },
    });
    try {
      await eventually('every input', () => processed >= inputs.length, 30_000);
    } finally {
      await loop.close();
      unsubscribe(TRANSACTIONS, onTransaction);
    }
    const outputs = await readTopic(VIEWS, true, (rs) => rs.filter((r) => r.value.includes('/batch/')).length >= inputs.length, 30_000);
    const pages = outputs.map((r) => (JSON.parse(r.value) as { data: { page: string } }).data.page).filter((p) => p.startsWith('/batch/'));
    expect(pages.sort()).toEqual(inputs.map((e) => String(e.data.page)).sort());
    // Far fewer transactions than records (one per fetched batch; the earlier tests' leftovers add a few).
    expect(commits.length).toBeGreaterThan(0);
    expect(commits.length).toBeLessThanOrEqual(inputs.length / 10);
  });

  it('refuses an invalid payload, and dead-letters an invalid record and one whose handler keeps failing to <topic>.dlq', async () => {
    await expect(kafka.publish(CLICKS, invalid(CLICKS))).rejects.toBeInstanceOf(mod.ContractError);
    const seen: string[] = [];
    const consumer = await kafka.consume(CLICKS, {
      group: group(),
      from: 'latest',
      maxAttempts: 2,
      handler: ({ envelope }) => {
        seen.push(envelope.id);
        if (envelope.id === `failing-${run}`) throw new Error('handler failure');
      },
    });
    const producer = new raw.Producer({ clientId: 'raw', bootstrapBrokers: [urls.KAFKA_BROKERS], serializers: raw.stringSerializers });
    await producer.send({ messages: [{ topic: CLICKS, value: JSON.stringify({ id: `bad-${run}`, correlationId: run, type: 'ClickEvent', version: 1, time: new Date().toISOString(), data: invalid(CLICKS) }) }] });
    await producer.close();
    await kafka.publish(CLICKS, sample(CLICKS), { correlationId: run, id: `failing-${run}` });
    const good = await kafka.publish(CLICKS, sample(CLICKS), { correlationId: run });
    await eventually('the valid record after the bad ones', () => seen.includes(good.id));
    await consumer.close();
    expect(seen.filter((id) => id === `failing-${run}`)).toHaveLength(2);
    expect(seen).not.toContain(`bad-${run}`);
    const dead = await readTopic(`${CLICKS}.dlq`, true, (rs) => rs.length >= 2);
    const reasons = new Map(dead.map((r) => [idOf(r), r.headers.get('x-dead-letter-reason') ?? '']));
    expect(reasons.get(`bad-${run}`)).toMatch(/must be/);
    expect(reasons.get(`failing-${run}`)).toBe('handler failed 2 times: handler failure');
  });

  it('on SIGTERM finishes the in-flight record and commits it: a restarted group does not see it again', async () => {
    const g = group();
    const script = `
      const m = await import(${JSON.stringify(pathToFileURL(join(root, 'src/messaging/index.ts')).href)});
      const facade = new m.MessagingFacade({ kafka: new m.KafkaMessaging(undefined, { log: () => {} }) });
      facade.closeOnShutdown({ deadlineMs: 15000, log: (line) => process.stderr.write(line + '\\n') });
      await facade.kafka.consume(${JSON.stringify(CLICKS)}, { group: ${JSON.stringify(g)}, from: 'latest', handler: async ({ envelope }) => {
        process.stdout.write('started ' + envelope.id + '\\n');
        await new Promise((r) => setTimeout(r, 1500));
        process.stdout.write('finished ' + envelope.id + '\\n');
      } });
      process.stdout.write('ready\\n');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, KAFKA_BROKERS: urls.KAFKA_BROKERS }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await eventually('the consumer to join', () => out.includes('ready'));
    const slow = await kafka.publish(CLICKS, sample(CLICKS), { correlationId: run });
    await eventually('the handler to start', () => out.includes(`started ${slow.id}`));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(out).toContain(`finished ${slow.id}`);
    const later = await kafka.publish(CLICKS, sample(CLICKS), { correlationId: run });
    const again: string[] = [];
    const consumer = await kafka.consume(CLICKS, { group: g, handler: ({ envelope }) => void again.push(envelope.id) });
    await eventually('the record after the committed one', () => again.includes(later.id));
    await consumer.close();
    expect(again).not.toContain(slow.id);
  });

  it('runs the channel example with plain node (type stripping)', async () => {
    const r = await runIn('npm', ['run', '-s', `example:${view(ORDERS).id}`], root, { KAFKA_BROKERS: urls.KAFKA_BROKERS }, 90_000);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/^published [0-9a-f-]{36}, [0-9a-f-]{36}, [0-9a-f-]{36}$/m);
    expect(r.output.match(/^\d+@\d+ key=customerId-1/gm)?.length).toBeGreaterThanOrEqual(3);
  });
});
