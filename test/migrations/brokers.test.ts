/**
 * The generated migration kits against the real brokers (the shared RabbitMQ 4, Kafka 4 and Redis 8
 * of test/support/global-brokers.ts), run as a user runs them: the project's own modules on Node's
 * type stripping and its `npm run migrate:verify`.
 * - RabbitMQ → Kafka: 10,000 dual-written messages, then verify reports 0 missing and exits 0; then
 *   messages published to RabbitMQ only and ids published twice to Kafka: verify reports exactly
 *   those as missing and duplicated and exits 1; the phase-2 idempotent consumer handles every id
 *   once and counts the duplicates it skipped. No broker is restarted here (the brokers are shared).
 * - Redis Pub/Sub → Streams: the bridge copies published messages into the stream; a consumer group
 *   reads them with envelopes equal to the published ones.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMigration, channelIdentifier, parseSpec, formatIssue, type StackSpec } from '../../generators/stack/index.ts';
import { useBrokers, type BrokerUrls } from '../support/global-brokers.ts';
import { generateProject, run, runSuffix, specFor } from '../clients/support.ts';

function migrated(spec: StackSpec, pattern: 'rabbitmq-to-kafka' | 'redis-pubsub-to-streams', rename: string, suffix: string): StackSpec {
  const renamed = { ...spec, channels: spec.channels.map((c) => (c.name === rename ? { ...c, name: `${c.name}-${suffix}` } : c)) };
  const r = parseSpec(JSON.parse(JSON.stringify(addMigration(renamed, pattern))));
  if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
  return r.spec;
}

function lastJson<T>(output: string): T {
  const line = output.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  if (!line) throw new Error(`no JSON line in:\n${output}`);
  return JSON.parse(line) as T;
}

interface Published { sent: number; skipped: string[]; duplicated: string[]; failures: number }
interface Report { missing: string[]; extra: string[]; duplicatedOld: string[]; duplicatedNew: string[]; readOld: number; readNew: number }

const RABBIT_DRIVER = (id: string) => `
import '../src/examples/load-env.ts';
import { KafkaMessaging, RabbitMessaging } from '../src/messaging/index.ts';
import * as m from '../src/migrations/rabbitmq-to-kafka/${id}.ts';
const [mode, a = '0', b = '0', c = '0'] = process.argv.slice(2);
const rabbit = new RabbitMessaging();
const kafka = new KafkaMessaging();
await kafka.ensureTopics();
await rabbit.declareTopology();
const payload: m.Payload = { type: 'send_alert', payload: { n: 1 } };
if (mode === 'publish') {
  const [n, skip, dup] = [Number(a), Number(b), Number(c)];
  const both = new m.DualWriter(rabbit, kafka);
  const rabbitOnly = new m.DualWriter(rabbit, kafka, { kafka: false });
  const kafkaOnly = new m.DualWriter(rabbit, kafka, { rabbitmq: false });
  const ids: string[] = [];
  const skipped: string[] = [];
  let failures = 0;
  for (let i = 0; i < n; i += 250) {
    const batch = await Promise.all(Array.from({ length: Math.min(250, n - i) }, (_, j) => (i + j < skip ? rabbitOnly : both).publish(payload)));
    for (const r of batch) {
      ids.push(r.id);
      if (r.rabbitmq.ok !== true || (r.kafka.ok !== true && r.kafka.ok !== 'skipped')) failures++;
      if (r.kafka.ok === 'skipped') skipped.push(r.id);
    }
  }
  const duplicated = dup > 0 ? ids.slice(-dup) : [];
  for (const id of duplicated) if ((await kafkaOnly.publish(payload, { id })).kafka.ok !== true) failures++;
  console.log(JSON.stringify({ sent: ids.length, skipped, duplicated, failures }));
} else {
  const expected = Number(a);
  let handled = 0;
  let duplicates = 0;
  const sub = await m.consumeIdempotently(kafka, () => void handled++, { onDuplicate: () => void duplicates++ });
  const end = Date.now() + 120_000;
  while (handled + duplicates < expected && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 2_000));
  await sub.close();
  console.log(JSON.stringify({ handled, duplicates }));
}
await rabbit.close();
await kafka.close();
`;

const REDIS_DRIVER = (id: string, to: string) => `
import '../src/examples/load-env.ts';
import { RedisMessaging } from '../src/messaging/index.ts';
import * as m from '../src/migrations/redis-pubsub-to-streams/${id}.ts';
const n = Number(process.argv[2]);
const redis = new RedisMessaging();
await redis.connect();
const bridge = await m.startBridge(redis);
const received = new Map<string, string>();
const consumer = await m.consumeGroup(redis, (_payload, entry) => void received.set(entry.envelope.id, JSON.stringify(entry.envelope)));
const published = new Map<string, string>();
for (let i = 0; i < n; i++) {
  const { envelope } = await redis.publish(m.FROM, { userId: \`u\${i}\`, event: 'order_confirmed', message: 'x' }, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
  published.set(envelope.id, JSON.stringify(envelope));
}
const end = Date.now() + 60_000;
while (received.size < n && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
await consumer.close();
await bridge.close();
const unequal = [...published].filter(([id, text]) => received.get(id) !== text).length;
const length = await redis.client.xLen(${JSON.stringify(to)});
console.log(JSON.stringify({ published: published.size, received: received.size, unequal, counts: bridge.counts, streamLength: length }));
await redis.close();
`;

describe('RabbitMQ → Kafka kit against the real brokers', () => {
  let root: string;
  let urls: BrokerUrls;
  beforeAll(async () => {
    const spec = migrated(specFor('background-jobs', { brokers: ['rabbitmq', 'kafka'] }), 'rabbitmq-to-kafka', 'tasks', runSuffix());
    const from = spec.migrations?.[0]?.from ?? '';
    [root, urls] = await Promise.all([generateProject('migration-rabbitmq-kafka', spec), useBrokers(['rabbitmq', 'kafka'])]);
    writeFileSync(join(root, 'test', 'driver.ts'), RABBIT_DRIVER(channelIdentifier(from)));
  }, 300_000);

  const node = (args: string[]) => run('node', ['test/driver.ts', ...args], root, { ...urls }, 300_000);
  const verify = () => run('npm', ['run', '-s', 'migrate:verify', '--', '--json', '--idle-ms', '4000', '--grace-ms', '5000', '--window-ms', '120000'], root, { ...urls }, 300_000);

  it('dual-writes 10,000 messages; verify reports 0 missing, 0 extra, 0 duplicated and exits 0', async () => {
    const p = await node(['publish', '10000', '0', '0']);
    expect(p.code, p.output).toBe(0);
    expect(lastJson<Published>(p.output)).toEqual({ sent: 10_000, skipped: [], duplicated: [], failures: 0 });
    const v = await verify();
    const report = lastJson<Report>(v.output);
    expect({ missing: report.missing.length, extra: report.extra.length, dupOld: report.duplicatedOld.length, dupNew: report.duplicatedNew.length, readOld: report.readOld, readNew: report.readNew }).toEqual({ missing: 0, extra: 0, dupOld: 0, dupNew: 0, readOld: 10_000, readNew: 10_000 });
    expect(v.code).toBe(0);
  }, 600_000);

  it('reports exactly the ids kept from Kafka as missing (exit 1) and the ids written twice as duplicated', async () => {
    const p = await node(['publish', '1000', '7', '5']);
    expect(p.code, p.output).toBe(0);
    const published = lastJson<Published>(p.output);
    expect(published.skipped).toHaveLength(7);
    expect(published.failures).toBe(0);
    const v = await verify();
    const report = lastJson<Report>(v.output);
    expect(report.missing).toEqual([...published.skipped].sort());
    expect(report.duplicatedNew).toEqual([...published.duplicated].sort());
    expect(report.extra).toEqual([]);
    expect(report.readOld).toBe(1_000);
    expect(report.readNew).toBe(1_000 - 7 + 5);
    expect(v.code).toBe(1);
  }, 600_000);

  it('phase 2: the idempotent consumer handles each id on Kafka once and counts the duplicates', async () => {
    const c = await node(['consume', String(10_000 + 993 + 5)]);
    expect(c.code, c.output).toBe(0);
    expect(lastJson<{ handled: number; duplicates: number }>(c.output)).toEqual({ handled: 10_000 + 993, duplicates: 5 });
  }, 600_000);
});

describe('Redis Pub/Sub → Streams kit against the real Redis', () => {
  let root: string;
  let urls: BrokerUrls;
  let to: string;
  beforeAll(async () => {
    const spec = migrated(specFor('realtime-notifications'), 'redis-pubsub-to-streams', 'notifications', runSuffix());
    const m = spec.migrations?.[0];
    to = m?.to ?? '';
    [root, urls] = await Promise.all([generateProject('migration-redis-streams', spec), useBrokers(['redis'])]);
    writeFileSync(join(root, 'test', 'driver.ts'), REDIS_DRIVER(channelIdentifier(m?.from ?? ''), to));
  }, 300_000);

  it('bridges 2,000 published messages into the stream; the consumer group reads each with its envelope unchanged', async () => {
    const r = await run('node', ['test/driver.ts', '2000'], root, { ...urls }, 300_000);
    expect(r.code, r.output).toBe(0);
    expect(lastJson(r.output)).toEqual({ published: 2_000, received: 2_000, unequal: 0, counts: { received: 2_000, appended: 2_000, failed: 0 }, streamLength: 2_000 });
  }, 600_000);
});
