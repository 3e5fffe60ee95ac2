/**
 * The generated Redis client against a real Redis (scripts/brokers): a Redis-only project is
 * generated, type-checked, and its client exercised: pub/sub fan-out, stream consumer groups with
 * acks, XAUTOCLAIM recovery after a consumer process is killed mid-batch, dead-lettering after
 * maxDeliveries, MAXLEN trimming, contract violations, cache invalidation and SIGTERM shutdown.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, StackSpec } from '../../generators/stack/index.ts';
import { useBrokers, type BrokerUrls } from '../support/global-brokers.ts';
import { importMessaging, numbered, type Envelope, type MessagingModule, type Payload, type RedisMessaging } from './api.ts';
import { channelSamples, eventually, generateProject, run as runIn, runSuffix, specFor, typecheck } from './support.ts';

const run = runSuffix();
const ORDERS = `orders-${run}`;
const AUDIT = `audit-${run}`;
const NOTIFY = `notify-${run}`;
const N = 200;

function redisChannels(seeded: Channel[]): Channel[] {
  const orders = seeded.find((c) => c.broker === 'redis' && c.kind === 'stream');
  const cache = seeded.find((c) => c.name === 'cache:invalidate');
  if (!orders || orders.kind !== 'stream' || !cache) throw new Error('queue-and-cache no longer seeds orders + cache:invalidate');
  return [
    { ...orders, name: ORDERS, maxDeliveries: 3 },
    { ...orders, name: AUDIT, maxLen: 100, consumerGroups: ['auditors'] },
    { ...cache, name: NOTIFY, message: { type: 'Notification', version: 2, fields: { userId: { type: 'string' }, event: { type: 'string', enum: ['order_confirmed', 'order_shipped'] }, unread: { type: 'integer', minimum: 0 }, tags: { type: 'array', items: { type: 'string' }, optional: true } } } },
    cache,
  ];
}

let spec: StackSpec;
let root: string;
let urls: BrokerUrls;
let mod: MessagingModule;
let redis: RedisMessaging;
// DEBUG_CLIENTS=1 shows what the clients log (reconnects, retries, dead letters).
const quiet = process.env.DEBUG_CLIENTS ? {} : { log: () => undefined };

const samples = channelSamples();
const { view, sample, invalid } = samples;

beforeAll(async () => {
  spec = specFor('queue-and-cache', { brokers: ['redis'], channels: redisChannels });
  samples.load(spec);
  [root, urls] = await Promise.all([generateProject('redis', spec), useBrokers(['redis'])]);
  process.env.REDIS_URL = urls.REDIS_URL;
  mod = await importMessaging(root);
  redis = new mod.RedisMessaging(mod.redisSettings({ REDIS_URL: urls.REDIS_URL }), quiet);
  await redis.connect();
});

afterAll(async () => {
  if (!redis) return;
  await redis.client.del([ORDERS, AUDIT, `${ORDERS}:dead`, `${AUDIT}:dead`, `${NOTIFY}:dead`]).catch(() => undefined);
  await redis.close();
});

describe('generated Redis project', () => {
  it('type-checks (tsc --noEmit)', async () => {
    const r = await typecheck(root);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });

  it('reads sentinel mode from REDIS_SENTINELS (with the address map a host needs), else REDIS_URL; a bad value fails in one line naming the variable', () => {
    const prod = mod.redisSettings({
      REDIS_SENTINELS: '127.0.0.1:26379, 127.0.0.1:26380',
      REDIS_SENTINEL_MASTER: 'main',
      REDIS_PASSWORD: 'pw',
      REDIS_NODE_MAP: 'redis-1:6379=127.0.0.1:6379,redis-2:6379=127.0.0.1:6380',
      REDIS_URL: 'redis://ignored',
    });
    expect(prod.url).toBeUndefined();
    expect(prod.sentinel).toEqual({
      nodes: [{ host: '127.0.0.1', port: 26379 }, { host: '127.0.0.1', port: 26380 }],
      masterName: 'main',
      addressMap: { 'redis-1:6379': { host: '127.0.0.1', port: 6379 }, 'redis-2:6379': { host: '127.0.0.1', port: 6380 } },
      username: 'app',
      password: 'pw',
    });
    expect(mod.redisSettings({ REDIS_URL: 'redis://u:p@h:1/0' })).toMatchObject({ url: 'redis://u:p@h:1/0' });
    expect(mod.redisSettings({ REDIS_URL: 'redis://u:p@h:1/0', REDIS_ACK_REPLICAS: '2', REDIS_ACK_TIMEOUT_MS: '500' })).toMatchObject({ ackReplicas: 2, ackTimeoutMs: 500 });
    expect(() => mod.redisSettings({ REDIS_SENTINELS: '127.0.0.1:26379', REDIS_PASSWORD: 'pw' })).toThrow(/^REDIS_SENTINEL_MASTER is not set/);
    expect(() => mod.redisSettings({ REDIS_SENTINELS: 'sentinel-without-port', REDIS_SENTINEL_MASTER: 'main', REDIS_PASSWORD: 'pw' })).toThrow(/^REDIS_SENTINELS: "sentinel-without-port" is not host:port/);
    expect(() => mod.redisSettings({ REDIS_URL: 'redis://h', REDIS_ACK_REPLICAS: 'one' })).toThrow(/^REDIS_ACK_REPLICAS must be a whole number/);
  });

  it('delivers N typed pub/sub messages to two subscribers on their own connections, field by field', async () => {
    const a: Payload[] = [];
    const b: Payload[] = [];
    const subA = await redis.subscribe(NOTIFY, ({ envelope, payload }) => void (envelope.correlationId === run && a.push(payload)));
    const subB = await redis.subscribe(NOTIFY, ({ envelope, payload }) => void (envelope.correlationId === run && b.push(payload)));
    const sent = Array.from({ length: N }, (_, i) => ({ ...numbered(sample(NOTIFY), 'userId', i), unread: i, tags: [`t${i}`] }));
    const receivers: number[] = [];
    for (const p of sent) receivers.push((await redis.publish(NOTIFY, p, { correlationId: run })).receivers);
    await eventually('both subscribers to get every message', () => a.length >= N && b.length >= N);
    expect(receivers.every((r) => r === 2)).toBe(true);
    expect(a).toEqual(sent);
    expect(b).toEqual(sent);
    await Promise.all([subA.close(), subB.close()]);
    // Unsubscribed: nobody receives any more (at-most-once, no persistence).
    expect((await redis.publish(NOTIFY, sent[0] ?? {}, { correlationId: run })).receivers).toBe(0);
  });

  it('round-trips N typed stream entries through a consumer group, acknowledging every one', async () => {
    const group = `g-${runSuffix()}`;
    const got = new Map<string, Payload>();
    const sent = await redis.appendMany(ORDERS, Array.from({ length: N }, (_, i) => numbered(sample(ORDERS), view(ORDERS).varyField, i)), { correlationId: run });
    const consumer = await redis.consumeStream(ORDERS, { group, handler: ({ envelope, payload }) => void got.set(envelope.id, payload) });
    await eventually('every entry', () => got.size >= N);
    await consumer.close();
    for (const { envelope } of sent) expect(got.get(envelope.id)).toEqual(envelope.data);
    expect((await redis.client.xPending(ORDERS, group)).pending).toBe(0);
  });

  // After the round trip above: it reads ORDERS from the start of the stream.
  it('publishMany pipelines N pub/sub messages: each delivered once, in order, to every subscriber', async () => {
    const got: Array<{ id: string; payload: Payload }> = [];
    const sub = await redis.subscribe(NOTIFY, ({ envelope, payload }) => void (envelope.correlationId === run && got.push({ id: envelope.id, payload })));
    const sent = await redis.publishMany(NOTIFY, Array.from({ length: 5 * N }, (_, i) => ({ ...numbered(sample(NOTIFY), 'userId', i), unread: i })), { correlationId: run });
    await eventually('every message', () => got.length >= sent.length);
    await new Promise((r) => setTimeout(r, 200)); // a duplicate would arrive by now
    await sub.close();
    expect(sent.every((s) => s.receivers === 1)).toBe(true);
    expect(new Set(sent.map((s) => s.envelope.id)).size).toBe(sent.length);
    expect(got.map((g) => g.id)).toEqual(sent.map((s) => s.envelope.id));
    expect(got.map((g) => g.payload)).toEqual(sent.map((s) => s.envelope.data));
  });

  it('publishMany and appendMany validate every payload before sending any', async () => {
    const tag = `all-or-nothing-${run}`;
    const seen: string[] = [];
    const sub = await redis.subscribe(NOTIFY, ({ envelope }) => void (envelope.correlationId === tag && seen.push(envelope.id)));
    await expect(redis.publishMany(NOTIFY, [sample(NOTIFY), invalid(NOTIFY), sample(NOTIFY)], { correlationId: tag })).rejects.toBeInstanceOf(mod.ContractError);
    const [marker] = await redis.publishMany(NOTIFY, [sample(NOTIFY)], { correlationId: tag });
    await eventually('the marker', () => seen.includes(marker?.envelope.id ?? ''));
    await sub.close();
    expect(seen).toEqual([marker?.envelope.id]); // nothing of the refused batch went out
    const before = await redis.client.xLen(ORDERS);
    await expect(redis.appendMany(ORDERS, [sample(ORDERS), invalid(ORDERS)], { correlationId: tag })).rejects.toBeInstanceOf(mod.ContractError);
    expect(await redis.client.xLen(ORDERS)).toBe(before);
  });

  it('appendMany pipelines N entries: each appended once, in order', async () => {
    const tag = `ordered-${run}`;
    const sent = await redis.appendMany(ORDERS, Array.from({ length: 5 * N }, (_, i) => numbered(sample(ORDERS), view(ORDERS).varyField, i)), { correlationId: tag });
    const first = sent[0]?.entryId ?? '';
    const stored = ((await redis.client.xRange(ORDERS, first, '+')) ?? []).map((e) => ({ entryId: e.id, envelope: JSON.parse(e.message.envelope ?? '{}') as Envelope })).filter((e) => e.envelope.correlationId === tag);
    expect(stored.map((e) => e.entryId)).toEqual(sent.map((s) => s.entryId));
    expect(stored.map((e) => e.envelope.id)).toEqual(sent.map((s) => s.envelope.id));
    expect(stored.map((e) => e.envelope.data)).toEqual(sent.map((s) => s.envelope.data));
  });

  it('recovers with XAUTOCLAIM the entries a consumer process left pending when it was killed mid-batch', async () => {
    const group = `g-${runSuffix()}`;
    await redis.client.xGroupCreate(ORDERS, group, '$', { MKSTREAM: true });
    const sent = await redis.appendMany(ORDERS, Array.from({ length: 30 }, (_, i) => numbered(sample(ORDERS), view(ORDERS).varyField, i)), { correlationId: run });
    // A consumer process that takes a batch of 10, handles 4 and dies (SIGKILL) on the 5th, acking nothing.
    const script = `
      const { RedisMessaging } = await import(${JSON.stringify(pathToFileURL(join(root, 'src/messaging/index.ts')).href)});
      const redis = new RedisMessaging(undefined, { log: () => {} });
      let handled = 0;
      await redis.consumeStream(${JSON.stringify(ORDERS)}, { group: ${JSON.stringify(group)}, consumer: 'doomed', count: 10, claimIdleMs: 3600000, handler: ({ envelope }) => {
        if (++handled === 5) process.kill(process.pid, 'SIGKILL');
        process.stdout.write(envelope.id + '\\n');
      } });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, REDIS_URL: urls.REDIS_URL }, stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    child.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    const handledByDoomed = seen.split('\n').filter(Boolean);
    expect(handledByDoomed).toHaveLength(4);
    const stranded = await redis.client.xPendingRange(ORDERS, group, '-', '+', 100);
    expect(stranded.map((p) => p.consumer)).toEqual(Array(10).fill('doomed'));

    const got = new Map<string, boolean>();
    const rescuer = await redis.consumeStream(ORDERS, { group, consumer: 'rescuer', claimIdleMs: 300, recoverEveryMs: 100, blockMs: 100, handler: ({ envelope, redelivered }) => void got.set(envelope.id, redelivered) });
    await eventually('every entry, including the stranded ones', () => got.size >= sent.length);
    await rescuer.close();
    expect([...got.keys()].sort()).toEqual(sent.map((s) => s.envelope.id).sort());
    for (const id of handledByDoomed) expect(got.get(id)).toBe(true); // reclaimed, not read fresh
    expect((await redis.client.xPending(ORDERS, group)).pending).toBe(0);
  });

  it('moves an entry whose handler keeps failing to <stream>:dead after maxDeliveries', async () => {
    const group = `g-${runSuffix()}`;
    await redis.client.xGroupCreate(ORDERS, group, '$', { MKSTREAM: true });
    const poison = await redis.append(ORDERS, sample(ORDERS), { correlationId: run, id: `poison-${run}` });
    const healthy = await redis.append(ORDERS, sample(ORDERS), { correlationId: run });
    const attempts = new Map<string, number>();
    const consumer = await redis.consumeStream(ORDERS, {
      group,
      claimIdleMs: 50,
      recoverEveryMs: 50,
      blockMs: 50,
      handler: ({ envelope }) => {
        attempts.set(envelope.id, (attempts.get(envelope.id) ?? 0) + 1);
        if (envelope.id === poison.envelope.id) throw new Error('poison');
      },
    });
    const dead = await eventually('the dead letter', async () => ((await redis.client.xRange(`${ORDERS}:dead`, '-', '+')) ?? []).find((e) => e.message.entryId === poison.entryId));
    await consumer.close();
    expect(attempts.get(poison.envelope.id)).toBe(3); // maxDeliveries of this channel
    expect(attempts.get(healthy.envelope.id)).toBe(1);
    expect(dead.message.reason).toBe('delivered 3 times without success');
    expect(JSON.parse(dead.message.envelope ?? '{}')).toMatchObject({ id: poison.envelope.id });
    expect((await redis.client.xPending(ORDERS, group)).pending).toBe(0);
  });

  it('refuses payloads that break the contract on publish, and dead-letters them on consume', async () => {
    await expect(redis.append(ORDERS, invalid(ORDERS))).rejects.toBeInstanceOf(mod.ContractError);
    await expect(redis.publish(NOTIFY, invalid(NOTIFY))).rejects.toBeInstanceOf(mod.ContractError);
    await expect(redis.publish(NOTIFY, { ...sample(NOTIFY), unread: -1 })).rejects.toBeInstanceOf(mod.ContractError);
    await expect(redis.publish(NOTIFY, { ...sample(NOTIFY), surprise: true })).rejects.toBeInstanceOf(mod.ContractError);

    const envelopeOf = (channel: string, id: string, data: Payload) => JSON.stringify({ id, correlationId: run, type: view(channel).typeName, version: view(channel).channel.message.version, time: new Date().toISOString(), data });
    // On a stream: the bad entry is dead-lettered and acked, the loop carries on with the next one.
    const group = `g-${runSuffix()}`;
    await redis.client.xGroupCreate(ORDERS, group, '$', { MKSTREAM: true });
    const got: string[] = [];
    const consumer = await redis.consumeStream(ORDERS, { group, handler: ({ envelope }) => void got.push(envelope.id) });
    await redis.client.xAdd(ORDERS, '*', { envelope: envelopeOf(ORDERS, `bad-${run}`, invalid(ORDERS)) });
    await redis.client.xAdd(ORDERS, '*', { envelope: JSON.stringify({ ...JSON.parse(envelopeOf(ORDERS, `old-${run}`, sample(ORDERS))), version: 99 }) });
    await redis.client.xAdd(ORDERS, '*', { envelope: 'not json at all' });
    const good = await redis.append(ORDERS, sample(ORDERS), { correlationId: run });
    await eventually('the valid entry after the invalid ones', () => got.includes(good.envelope.id));
    await consumer.close();
    expect(got).toEqual([good.envelope.id]);
    const deadOrders = ((await redis.client.xRange(`${ORDERS}:dead`, '-', '+')) ?? []).map((e) => e.message);
    expect(deadOrders.find((m) => m.envelope?.includes(`bad-${run}`))?.reason).toMatch(/must be/);
    expect(deadOrders.find((m) => m.envelope?.includes(`old-${run}`))?.reason).toBe('schema version 99 is not 1');
    expect(deadOrders.find((m) => m.envelope === 'not json at all')?.reason).toBe('not JSON');
    expect((await redis.client.xPending(ORDERS, group)).pending).toBe(0);

    // On pub/sub: the bad message goes to <channel>:dead, the subscriber keeps receiving.
    const seen: string[] = [];
    const sub = await redis.subscribe(NOTIFY, ({ envelope }) => void seen.push(envelope.id));
    await redis.client.publish(NOTIFY, envelopeOf(NOTIFY, `bad-${run}`, invalid(NOTIFY)));
    const ok = await redis.publish(NOTIFY, sample(NOTIFY), { correlationId: run });
    await eventually('the valid message', () => seen.includes(ok.envelope.id));
    await sub.close();
    expect(seen).toEqual([ok.envelope.id]);
    const deadNotify = await eventually('the pub/sub dead letter', async () => ((await redis.client.xRange(`${NOTIFY}:dead`, '-', '+')) ?? []).find((e) => e.message.envelope?.includes(`bad-${run}`)));
    expect(deadNotify.message.source).toBe(NOTIFY);
  });

  it('trims every append with MAXLEN ~ maxLen', async () => {
    await redis.appendMany(AUDIT, Array.from({ length: 1000 }, (_, i) => numbered(sample(AUDIT), view(AUDIT).varyField, i)));
    const length = await redis.client.xLen(AUDIT);
    // Approximate trimming removes whole radix-tree nodes (100 entries each by default): at least maxLen stay.
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(300);
  });

  it('invalidates a cache key as the guide\'s facade does: DEL, then a message on cache:invalidate', async () => {
    const key = `user:${run}:orders`;
    await redis.client.set(key, 'cached');
    const announced: Payload[] = [];
    const sub = await redis.subscribe('cache:invalidate', ({ payload }) => void announced.push(payload));
    await redis.invalidateCache([key], 'profile_updated');
    expect(await redis.client.exists(key)).toBe(0);
    await eventually('the invalidation', () => announced.some((p) => p.key === key));
    await sub.close();
    expect(announced.find((p) => p.key === key)).toEqual({ key, reason: 'profile_updated' });
  });

  it('on SIGTERM finishes the in-flight entry, acknowledges it and exits 0 within the deadline', async () => {
    const group = `g-${runSuffix()}`;
    await redis.client.xGroupCreate(ORDERS, group, '$', { MKSTREAM: true });
    const slow = await redis.append(ORDERS, sample(ORDERS), { correlationId: run });
    const script = `
      const m = await import(${JSON.stringify(pathToFileURL(join(root, 'src/messaging/index.ts')).href)});
      const facade = new m.MessagingFacade({ redis: new m.RedisMessaging(undefined, { log: () => {} }) });
      facade.closeOnShutdown({ deadlineMs: 10000, log: (line) => process.stderr.write(line + '\\n') });
      await facade.redis.consumeStream(${JSON.stringify(ORDERS)}, { group: ${JSON.stringify(group)}, handler: async ({ envelope }) => {
        process.stdout.write('started ' + envelope.id + '\\n');
        await new Promise((r) => setTimeout(r, 1500));
        process.stdout.write('finished ' + envelope.id + '\\n');
      } });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, REDIS_URL: urls.REDIS_URL }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await eventually('the handler to start', () => out.includes(`started ${slow.envelope.id}`));
    const t0 = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(out).toContain(`finished ${slow.envelope.id}`);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await redis.client.xPending(ORDERS, group)).pending).toBe(0);
  });

  it('runs the channel examples with plain node (type stripping)', async () => {
    const stream = await runIn('npm', ['run', '-s', `example:${view(ORDERS).id}`], root, { REDIS_URL: urls.REDIS_URL }, 60_000);
    expect(stream.code).toBe(0);
    expect(stream.output.match(/^appended \d+-\d+$/gm)).toHaveLength(3);
    expect(stream.output).toMatch(/^processed \d+-\d+/m);
    const pubsub = await runIn('npm', ['run', '-s', `example:${view(NOTIFY).id}`], root, { REDIS_URL: urls.REDIS_URL }, 60_000);
    expect(pubsub.code).toBe(0);
    expect(pubsub.output).toMatch(/published [0-9a-f-]{36} to 1 subscriber\(s\)/);
  });
});
