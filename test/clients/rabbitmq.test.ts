/**
 * The generated RabbitMQ client against a real RabbitMQ (scripts/brokers: Debian 13's RabbitMQ 4.0.5): a
 * RabbitMQ-only project is generated, type-checked, and its client exercised: confirms and acks
 * on direct/topic/headers/fanout exchanges, priorities, RPC (correlation, concurrency, timeout),
 * dead-lettering through the DLX, the topology's single source, auto-ack, SIGTERM shutdown.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rabbitTopology } from '../../generators/brokers/rabbitmq/topology.ts';
import type { Channel, RabbitQueueChannel, StackSpec } from '../../generators/stack/index.ts';
import { useBrokers, type BrokerUrls } from '../support/global-brokers.ts';
import { importMessaging, numbered, type MessagingModule, type Payload, type RabbitChannel, type RabbitMessaging } from './api.ts';
import { channelSamples, eventually, generateProject, run as runIn, runSuffix, specFor, typecheck } from './support.ts';

const run = runSuffix();
const TASKS = `tasks-${run}`;
const EU = `eu-orders-${run}`;
const PDF = `pdf-invoices-${run}`;
const QUOTES = `quote-requests-${run}`;
const METRICS = `metrics-${run}`;
const N = 100;

function rabbitChannels(seeded: Channel[]): Channel[] {
  const find = (name: string) => {
    const c = seeded.find((s) => s.name === name);
    if (!c) throw new Error(`the microservices/complex-routing seeds have no ${name}`);
    return c;
  };
  const tasks = find('tasks') as RabbitQueueChannel;
  const eu = find('eu-orders') as RabbitQueueChannel;
  const pdf = find('pdf-invoices') as RabbitQueueChannel;
  const quote = find('quote-requests');
  if (quote.broker !== 'rabbitmq' || quote.kind !== 'rpc') throw new Error('quote-requests is not an RPC channel');
  const metrics: RabbitQueueChannel = {
    ...tasks,
    name: METRICS,
    semantics: 'at-most-once',
    exchange: `metrics-${run}`,
    exchangeType: 'fanout',
    bindings: [],
    deadLetter: false,
    prefetch: 50,
    message: { type: 'Metric', version: 1, fields: { name: { type: 'string' }, value: { type: 'number' } } },
  };
  delete metrics.maxPriority;
  return [
    { ...tasks, name: TASKS, exchange: `tasks-${run}` },
    { ...eu, name: EU, exchange: `orders-${run}` },
    { ...pdf, name: PDF, exchange: `documents-${run}` },
    { ...quote, name: QUOTES, timeout: '2s' },
    metrics,
  ];
}

let spec: StackSpec;
let root: string;
let urls: BrokerUrls;
let mod: MessagingModule;
let rabbit: RabbitMessaging;
// DEBUG_CLIENTS=1 shows what the clients log (reconnects, retries, dead letters).
const quiet = process.env.DEBUG_CLIENTS ? {} : { log: () => undefined };

const samples = channelSamples();
const { view, sample, invalid } = samples;

async function withChannel<T>(work: (ch: RabbitChannel) => Promise<T>): Promise<T> {
  const ch = await rabbit.connection.acquire();
  try {
    return await work(ch);
  } finally {
    await ch.close().catch(() => undefined);
  }
}

/** Takes every message off a queue (basic.get with auto-ack). */
async function drain(queue: string, expected: number): Promise<Array<{ body: string; headers: Record<string, unknown> }>> {
  return withChannel(async (ch) => {
    const found: Array<{ body: string; headers: Record<string, unknown> }> = [];
    for (const end = Date.now() + 15_000; found.length < expected && Date.now() < end; ) {
      const msg = await ch.basicGet({ queue, noAck: true });
      if (!msg) await new Promise((r) => setTimeout(r, 50));
      else found.push({ body: Buffer.isBuffer(msg.body) ? msg.body.toString() : JSON.stringify(msg.body), headers: msg.headers ?? {} });
    }
    return found;
  });
}

beforeAll(async () => {
  spec = specFor('microservices', { brokers: ['rabbitmq'], channels: (seeded) => rabbitChannels([...seeded, ...specFor('background-jobs').channels, ...specFor('complex-routing').channels]) });
  samples.load(spec);
  [root, urls] = await Promise.all([generateProject('rabbitmq', spec), useBrokers(['rabbitmq'])]);
  process.env.RABBITMQ_URL = urls.RABBITMQ_URL;
  mod = await importMessaging(root);
  rabbit = new mod.RabbitMessaging(mod.rabbitmqSettings({ RABBITMQ_URL: urls.RABBITMQ_URL }), quiet);
  await rabbit.declareTopology();
});

afterAll(async () => {
  if (!rabbit) return;
  const topology = rabbitTopology(spec);
  await withChannel(async (ch) => {
    for (const q of topology.queues) await ch.queueDelete({ queue: q.name }).catch(() => undefined);
    for (const e of topology.exchanges) await ch.exchangeDelete({ exchange: e.name }).catch(() => undefined);
  }).catch(() => undefined);
  await rabbit.close();
});

describe('generated RabbitMQ project', () => {
  it('type-checks (tsc --noEmit)', async () => {
    const r = await typecheck(root);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });

  it('declares the topology built by the same code as definitions.json', () => {
    const text = readFileSync(join(root, 'src/messaging/rabbitmq-topology.ts'), 'utf8');
    const json = /export const TOPOLOGY: RabbitTopology = ([\s\S]*);\s*$/.exec(text)?.[1];
    expect(JSON.parse(json ?? 'null')).toEqual(rabbitTopology(spec));
    const tasks = rabbitTopology(spec).queues.find((q) => q.name === TASKS);
    expect(tasks?.arguments).toEqual({ 'x-dead-letter-exchange': `${TASKS}.dlx`, 'x-max-priority': 10, 'x-queue-type': 'classic' });
  });

  it('refuses to redeclare a queue with other arguments (PRECONDITION_FAILED), so drift fails at start-up', async () => {
    await expect(withChannel((ch) => ch.queueDeclare({ queue: TASKS, durable: true, arguments: { 'x-max-priority': 5, 'x-queue-type': 'classic' } }))).rejects.toThrow(/PRECONDITION_FAILED/);
    // A queue of the topology that exists with other arguments: a fresh client refuses to start.
    await withChannel(async (ch) => {
      await ch.queueDelete({ queue: METRICS });
      await ch.queueDeclare({ queue: METRICS, durable: true, arguments: { 'x-max-length': 10 } });
    });
    const other = new mod.RabbitMessaging(mod.rabbitmqSettings({ RABBITMQ_URL: urls.RABBITMQ_URL }), quiet);
    await expect(other.declareTopology()).rejects.toThrow(/PRECONDITION_FAILED/);
    await other.close();
    await withChannel((ch) => ch.queueDelete({ queue: METRICS }));
    const again = new mod.RabbitMessaging(mod.rabbitmqSettings({ RABBITMQ_URL: urls.RABBITMQ_URL }), quiet);
    await again.declareTopology();
    await again.close();
  });

  it.each([
    ['direct exchange, routed by the task type', () => TASKS],
    ['topic exchange', () => EU],
    ['headers exchange', () => PDF],
  ])('round-trips N typed messages with confirms and manual acks (%s), field by field', async (_kind, queueOf) => {
    const queue = queueOf();
    const types = ['send_alert', 'generate_report', 'send_email'];
    const got = new Map<string, { payload: Payload; routingKey: string }>();
    const consumer = await rabbit.consume(queue, { handler: ({ envelope, payload, routingKey }) => void (envelope.correlationId === run && got.set(envelope.id, { payload, routingKey })) });
    const sent = [];
    for (let i = 0; i < N; i++) {
      const payload = queue === TASKS ? { type: types[i % 3], payload: { n: i, nested: { ok: true } } } : numbered(sample(queue), view(queue).varyField, i);
      sent.push(await rabbit.publish(queue, payload, { correlationId: run }));
    }
    await eventually('every message', () => got.size >= N);
    await consumer.close();
    for (const envelope of sent) expect(got.get(envelope.id)?.payload).toEqual(envelope.data);
    if (queue === TASKS) for (const envelope of sent) expect(got.get(envelope.id)?.routingKey).toBe(envelope.data.type);
  });

  it.each([
    ['with confirms (at-least-once)', () => EU, (i: number) => numbered(sample(EU), view(EU).varyField, i)],
    ['without confirms (at-most-once)', () => METRICS, (i: number) => ({ name: `m${i}`, value: i })],
  ])('publishMany sends N messages %s: each delivered once, in order', async (_what, queueOf, payloadOf) => {
    const queue = queueOf();
    const tag = `many-${run}`;
    const got: Array<{ id: string; payload: Payload }> = [];
    // One handler at a time: arrival order is queue order.
    const consumer = await rabbit.consume(queue, { concurrency: 1, handler: ({ envelope, payload }) => void (envelope.correlationId === tag && got.push({ id: envelope.id, payload })) });
    const sent = await rabbit.publishMany(queue, Array.from({ length: 3 * N }, (_, i) => payloadOf(i)), { correlationId: tag });
    await eventually('every message', () => got.length >= sent.length);
    await new Promise((r) => setTimeout(r, 200)); // a duplicate would arrive by now
    await consumer.close();
    expect(new Set(sent.map((e) => e.id)).size).toBe(sent.length);
    expect(got.map((g) => g.id)).toEqual(sent.map((e) => e.id));
    expect(got.map((g) => g.payload)).toEqual(sent.map((e) => e.data));
  });

  it('publishMany validates every payload before sending any', async () => {
    const tag = `all-or-nothing-${run}`;
    const seen: string[] = [];
    const consumer = await rabbit.consume(EU, { concurrency: 1, handler: ({ envelope }) => void (envelope.correlationId === tag && seen.push(envelope.id)) });
    await expect(rabbit.publishMany(EU, [sample(EU), invalid(EU), sample(EU)], { correlationId: tag })).rejects.toBeInstanceOf(mod.ContractError);
    const [marker] = await rabbit.publishMany(EU, [sample(EU)], { correlationId: tag });
    await eventually('the marker', () => seen.includes(marker?.id ?? ''));
    await consumer.close();
    expect(seen).toEqual([marker?.id]);
  });

  it('publishes with mandatory: a message the broker returns (no queue bound) is not delivered, and publish() says so', async () => {
    const client = new mod.RabbitMessaging(mod.rabbitmqSettings({ RABBITMQ_URL: urls.RABBITMQ_URL }), { ...quiet, deliveryTimeoutMs: 1_500 });
    const task = (step: string) => ({ type: 'send_email', payload: { step } });
    await client.publish(TASKS, task('bound'), { correlationId: run });
    const binding = { queue: TASKS, exchange: `tasks-${run}`, routingKey: 'send_email' };
    await withChannel((ch) => ch.queueUnbind(binding));
    try {
      // Confirmed by the broker, yet routed nowhere: without mandatory this resolved and the task was gone.
      await expect(client.publish(TASKS, task('unroutable'), { correlationId: run })).rejects.toMatchObject({ name: 'RabbitDeliveryError', message: expect.stringMatching(/returned by the broker \(312 NO_ROUTE\)/) });
    } finally {
      await withChannel((ch) => ch.queueBind(binding));
    }
    await client.publish(TASKS, task('bound again'), { correlationId: run });
    const steps: string[] = [];
    const consumer = await client.consume(TASKS, { handler: ({ envelope, payload }) => void (envelope.correlationId === run && steps.push(String((payload.payload as { step: string }).step))) });
    await eventually('both bound tasks', () => steps.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    await consumer.close();
    await client.close();
    expect(steps.sort()).toEqual(['bound', 'bound again']);
  });

  it('connects through RABBITMQ_HOSTS in turn: a dead first node is skipped', async () => {
    const url = new URL(urls.RABBITMQ_URL ?? '');
    const settings = mod.rabbitmqSettings({ RABBITMQ_URL: urls.RABBITMQ_URL, RABBITMQ_HOSTS: `127.0.0.1:1, ${url.hostname}:${url.port}` });
    expect(settings.hosts).toEqual(['127.0.0.1:1', `${url.hostname}:${url.port}`]);
    const client = new mod.RabbitMessaging(settings, quiet);
    await client.publish(TASKS, { type: 'send_alert', payload: { via: 'second host' } }, { correlationId: `hosts-${run}` });
    await client.close();
    expect(() => mod.rabbitmqSettings({ RABBITMQ_URL: urls.RABBITMQ_URL, RABBITMQ_HOSTS: 'node-without-port' })).toThrow(/RABBITMQ_HOSTS must list host:port/);
  });

  it('reports a refused login as RabbitAccessError with the broker\'s reason, without retrying', async () => {
    const url = new URL(urls.RABBITMQ_URL ?? '');
    url.password = 'not-the-password';
    const client = new mod.RabbitMessaging(mod.rabbitmqSettings({ RABBITMQ_URL: url.href }), quiet);
    await expect(client.publish(TASKS, { type: 'send_alert' }, { correlationId: run })).rejects.toMatchObject({ name: 'RabbitAccessError', message: expect.stringMatching(/ACCESS_REFUSED/) });
    await expect(client.consume(TASKS, { handler: () => undefined })).rejects.toMatchObject({ name: 'RabbitAccessError' });
    await client.close();
  }, 60_000);

  it('delivers higher priorities first (x-max-priority 10)', async () => {
    const priorities = [1, 10, 5, 0, 9, 3, 7, 2, 8, 6];
    for (const priority of priorities) await rabbit.publish(TASKS, { type: 'send_email', payload: { priority } }, { correlationId: run, priority });
    const order: number[] = [];
    const consumer = await rabbit.consume(TASKS, { prefetch: 1, concurrency: 1, handler: ({ envelope, priority }) => void (envelope.correlationId === run && order.push(priority ?? 0)) });
    await eventually('every prioritised task', () => order.length >= priorities.length);
    await consumer.close();
    expect(order).toEqual([...priorities].sort((a, b) => b - a));
  });

  it('answers RPC requests with typed replies matched by correlation id, concurrently', async () => {
    const server = await rabbit.serve(QUOTES, async (request, envelope) => {
      await new Promise((r) => setTimeout(r, Math.random() * 50));
      return { sku: `${String(request.sku)}|${envelope.correlationId}`, unitPrice: Number(request.quantity) * 1.5, currency: 'EUR' };
    });
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => rabbit.call(QUOTES, { sku: `sku-${i}`, quantity: i + 1 }, { correlationId: `c-${i}` })));
    replies.forEach((reply, i) => expect(reply).toEqual({ sku: `sku-${i}|c-${i}`, unitPrice: (i + 1) * 1.5, currency: 'EUR' }));
    await server.close();
  });

  it('rejects an RPC call after the channel timeout when no server answers, and refuses invalid requests and replies', async () => {
    const t0 = Date.now();
    await expect(rabbit.call(QUOTES, sample(QUOTES))).rejects.toThrow();
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(1_900);
    expect(waited).toBeLessThan(5_000);
    await expect(rabbit.call(QUOTES, invalid(QUOTES))).rejects.toBeInstanceOf(mod.ContractError);
    // A server whose reply breaks the reply contract answers with an error instead of a bad reply.
    const server = await rabbit.serve(QUOTES, () => ({ sku: 'x', unitPrice: -1, currency: 'GBP' }));
    await expect(rabbit.call(QUOTES, sample(QUOTES))).rejects.toThrow(/breaks the contract/);
    await server.close();
  });

  it('dead-letters a rejected message through <queue>.dlx to <queue>.dlq: invalid ones at once, failing ones after one redelivery', async () => {
    await drain(`${TASKS}.dlq`, 0);
    const seen: string[] = [];
    const consumer = await rabbit.consume(TASKS, {
      handler: ({ envelope }) => {
        seen.push(envelope.id);
        if (envelope.id === `failing-${run}`) throw new Error('handler failure');
      },
    });
    const bad = JSON.stringify({ id: `bad-${run}`, correlationId: run, type: 'Task', version: 1, time: new Date().toISOString(), data: invalid(TASKS) });
    const raw = rabbit.connection.createPublisher({ confirm: true });
    await raw.send({ exchange: `tasks-${run}`, routingKey: 'send_alert', contentType: 'application/json', durable: true }, Buffer.from(bad));
    await raw.close();
    await rabbit.publish(TASKS, sample(TASKS), { correlationId: run, id: `failing-${run}` });
    const good = await rabbit.publish(TASKS, sample(TASKS), { correlationId: run });
    await eventually('the failing message twice', () => seen.filter((id) => id === `failing-${run}`).length === 2 && seen.includes(good.id));
    await consumer.close();
    expect(seen).not.toContain(`bad-${run}`);
    const dead = await drain(`${TASKS}.dlq`, 2);
    expect(dead.map((d) => (JSON.parse(d.body) as { id: string }).id).sort()).toEqual([`bad-${run}`, `failing-${run}`].sort());
    for (const d of dead) {
      const death = (d.headers['x-death'] as Array<{ queue: string; reason: string }> | undefined)?.[0];
      expect(death).toMatchObject({ queue: TASKS, reason: 'rejected' });
    }
  });

  it('refuses a payload that breaks the contract before publishing', async () => {
    for (const queue of [TASKS, EU, PDF, METRICS]) await expect(rabbit.publish(queue, invalid(queue))).rejects.toBeInstanceOf(mod.ContractError);
  });

  it('consumes an at-most-once queue with auto-ack (nothing stays unacknowledged)', async () => {
    const got: Payload[] = [];
    const consumer = await rabbit.consume(METRICS, { handler: ({ envelope, payload }) => void (envelope.correlationId === run && got.push(payload)) });
    const sent = Array.from({ length: N }, (_, i) => ({ name: `m${i}`, value: i / 2 }));
    for (const p of sent) await rabbit.publish(METRICS, p, { correlationId: run });
    await eventually('every metric', () => got.length >= N);
    await consumer.close();
    expect(got).toEqual(sent);
  });

  it('on SIGTERM finishes the in-flight message, acks it and exits 0', async () => {
    const script = `
      const m = await import(${JSON.stringify(pathToFileURL(join(root, 'src/messaging/index.ts')).href)});
      const facade = new m.MessagingFacade({ rabbitmq: new m.RabbitMessaging(undefined, { log: () => {} }) });
      facade.closeOnShutdown({ deadlineMs: 10000, log: (line) => process.stderr.write(line + '\\n') });
      await facade.rabbitmq.consume(${JSON.stringify(EU)}, { handler: async ({ envelope }) => {
        process.stdout.write('started ' + envelope.id + '\\n');
        await new Promise((r) => setTimeout(r, 1500));
        process.stdout.write('finished ' + envelope.id + '\\n');
      } });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, RABBITMQ_URL: urls.RABBITMQ_URL }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const slow = await rabbit.publish(EU, sample(EU), { correlationId: run });
    await eventually('the handler to start', () => out.includes(`started ${slow.id}`));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(out).toContain(`finished ${slow.id}`);
    // Acked before the channel closed: nothing was requeued.
    expect((await withChannel((ch) => ch.queueDeclare({ queue: EU, passive: true }))).messageCount).toBe(0);
  });

  it('runs the channel examples with plain node (type stripping)', async () => {
    const rpc = await runIn('npm', ['run', '-s', `example:${view(QUOTES).id}`], root, { RABBITMQ_URL: urls.RABBITMQ_URL }, 60_000);
    expect(rpc.code).toBe(0);
    expect(rpc.output).toMatch(/reply: \{ sku: 'sku-1', unitPrice: 1\.5, currency: 'EUR' \}/);
    const queue = await runIn('npm', ['run', '-s', `example:${view(TASKS).id}`], root, { RABBITMQ_URL: urls.RABBITMQ_URL }, 60_000);
    expect(queue.code).toBe(0);
    expect(queue.output.match(/^published [0-9a-f-]{36} with priority \d+ \(confirmed\)$/gm)).toHaveLength(3);
  });
});
