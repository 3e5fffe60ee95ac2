/**
 * FAULT during a migration: 10,000 messages dual-written (RabbitMQ → Kafka kit, 64 in flight) while
 * RabbitMQ is SIGKILLed and restarted after a third of them and Kafka after two thirds. A side whose
 * publish failed is published again with the same id, as the kit's DualWriter result asks. Then
 * `npm run migrate:verify` must report 0 missing (exit 0), and the phase-2 idempotent consumer must
 * handle each of the 10,000 ids once, counting the duplicates it skipped.
 *
 * The brokers are private to this file (own state dir and ports 26611-26618, purged before and
 * after), so the kills cannot disturb other files; one run at a time on this machine (a lock).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMigration, channelIdentifier, formatIssue, parseSpec } from '../../generators/stack/index.ts';
import { brokersCli, parseEnvLines } from '../support/global-brokers.ts';
import { acquireLock, generateProject, run, specFor, WORK } from '../clients/support.ts';

const N = 10_000;

const ENV: Readonly<Record<string, string>> = {
  BROKERS_STATE_DIR: join(WORK, 'migration-fault-brokers'),
  REDIS_PORT: '26611',
  REDIS_PASSWORD: '',
  RABBITMQ_PORT: '26612',
  RABBITMQ_MANAGEMENT_PORT: '26613',
  RABBITMQ_PROMETHEUS_PORT: '26614',
  RABBITMQ_DIST_PORT: '26615',
  RABBITMQ_EPMD_PORT: '26616',
  RABBITMQ_NODENAME: 'brokerplate-migration-fault@localhost',
  KAFKA_PORT: '26617',
  KAFKA_CONTROLLER_PORT: '26618',
};

async function cli(args: string[]): Promise<string> {
  const r = await brokersCli(args, ENV);
  if (r.code !== 0) throw new Error(`brokers.mjs ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

const DRIVER = (id: string) => `
import '../src/examples/load-env.ts';
import { KafkaMessaging, RabbitMessaging } from '../src/messaging/index.ts';
import * as m from '../src/migrations/rabbitmq-to-kafka/${id}.ts';
const quiet = { log: () => undefined };
const rabbit = new RabbitMessaging(undefined, quiet);
const kafka = new KafkaMessaging(undefined, quiet);
const [mode, count = '0'] = process.argv.slice(2);
await kafka.ensureTopics();
await rabbit.declareTopology();
if (mode === 'publish') {
  const n = Number(count);
  const both = new m.DualWriter(rabbit, kafka);
  const only = { rabbitmq: new m.DualWriter(rabbit, kafka, { kafka: false }), kafka: new m.DualWriter(rabbit, kafka, { rabbitmq: false }) };
  let next = 0;
  let done = 0;
  const retried = { rabbitmq: 0, kafka: 0 };
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const payload: m.Payload = { type: 'send_alert', payload: { n: i } };
      const r = await both.publish(payload);
      for (const side of ['rabbitmq', 'kafka'] as const) {
        let outcome = r[side];
        while (outcome.ok !== true) {
          retried[side]++;
          await new Promise((resolve) => setTimeout(resolve, 250));
          outcome = (await only[side].publish(payload, { id: r.id }))[side];
        }
      }
      if (++done % 500 === 0) console.log(\`progress \${done}\`);
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  console.log(JSON.stringify({ sent: done, retried }));
} else {
  let handled = 0;
  let duplicates = 0;
  const sub = await m.consumeIdempotently(kafka, () => void handled++, { onDuplicate: () => void duplicates++ });
  const end = Date.now() + 180_000;
  while (handled < Number(count) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 3_000));
  await sub.close();
  console.log(JSON.stringify({ handled, duplicates }));
}
await rabbit.close();
await kafka.close();
`;

let root: string;
let env: Record<string, string>;
let release: (() => void) | undefined;

beforeAll(async () => {
  release = await acquireLock(join(WORK, 'migration-fault-brokers.lock'));
  const built = addMigration(specFor('background-jobs', { brokers: ['rabbitmq', 'kafka'] }), 'rabbitmq-to-kafka');
  const parsed = parseSpec(JSON.parse(JSON.stringify(built)));
  if (!parsed.ok) throw new Error(parsed.issues.map(formatIssue).join('\n'));
  await cli(['down', '--purge']);
  const [generated, up] = await Promise.all([generateProject('migration-fault', parsed.spec), cli(['up', 'rabbitmq', 'kafka'])]);
  root = generated;
  env = parseEnvLines(up);
  writeFileSync(join(root, 'test', 'driver.ts'), DRIVER(channelIdentifier(parsed.spec.migrations?.[0]?.from ?? '')));
}, 300_000);

afterAll(async () => {
  await cli(['down', '--purge']).catch((error: unknown) => console.error(error));
  release?.();
});

function lastJson<T>(output: string): T {
  const line = output.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  if (!line) throw new Error(`no JSON line in:\n${output}`);
  return JSON.parse(line) as T;
}

describe('FAULT: RabbitMQ → Kafka dual-write through a RabbitMQ and a Kafka restart', () => {
  it(`publishes ${N.toLocaleString('en')} messages through both restarts; verify finds 0 missing; the idempotent consumer absorbs the duplicates`, async () => {
    const outages: Promise<number>[] = [];
    /** Messages the driver had published when each kill had happened: below N, so the kill fell mid-stream. */
    const killedAt: number[] = [];
    let progress = 0;
    const restart = (broker: 'rabbitmq' | 'kafka') => {
      const t0 = Date.now();
      outages.push(
        cli(['kill', broker])
          .then(() => void killedAt.push(progress))
          .then(() => new Promise((r) => setTimeout(r, 500)))
          .then(() => cli(['start', broker]))
          .then(() => Date.now() - t0),
      );
    };
    const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(process.execPath, ['test/driver.ts', 'publish', String(N)], { cwd: root, env: { ...process.env, ...env } });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const done = Number([...text.matchAll(/progress (\d+)/g)].at(-1)?.[1] ?? 0);
        progress = done;
        if (done >= N / 3 && outages.length === 0) restart('rabbitmq');
        if (done >= (2 * N) / 3 && outages.length === 1) restart('kafka');
      });
      child.stderr.on('data', (chunk: Buffer) => void (text += chunk.toString()));
      child.on('close', (code) => resolve({ code, text }));
    });
    const downMs = await Promise.all(outages);
    expect(output.code, output.text.slice(-3000)).toBe(0);
    expect(downMs).toHaveLength(2);
    expect(killedAt.every((at) => at < N), `killed at ${killedAt.join(', ')} of ${N}`).toBe(true);
    const published = lastJson<{ sent: number; retried: { rabbitmq: number; kafka: number } }>(output.text);
    expect(published.sent).toBe(N);

    const v = await run('npm', ['run', '-s', 'migrate:verify', '--', '--json', '--idle-ms', '5000', '--grace-ms', '10000', '--window-ms', '240000'], root, env, 300_000);
    const report = lastJson<{ missing: string[]; extra: string[]; duplicatedOld: string[]; duplicatedNew: string[]; readOld: number; readNew: number }>(v.output);
    const uniqueOld = report.readOld - report.duplicatedOld.length;
    const c = await run('node', ['test/driver.ts', 'consume', String(N)], root, env, 300_000);
    const consumed = lastJson<{ handled: number; duplicates: number }>(c.output);
    console.log(`[migration fault] killed at ${killedAt.join(' and ')} published; RabbitMQ down ${((downMs[0] ?? 0) / 1000).toFixed(1)} s, Kafka down ${((downMs[1] ?? 0) / 1000).toFixed(1)} s; sent ${published.sent}, sides retried ${JSON.stringify(published.retried)}; verify: read ${report.readOld} on RabbitMQ (tap), ${report.readNew} on Kafka, missing ${report.missing.length}, extra ${report.extra.length}, duplicated ${report.duplicatedOld.length} (RabbitMQ) / ${report.duplicatedNew.length} (Kafka); idempotent consumer: ${consumed.handled} handled, ${consumed.duplicates} duplicates skipped`);
    expect(report.missing).toEqual([]);
    expect(report.extra).toEqual([]);
    expect(uniqueOld).toBe(N);
    expect(v.code).toBe(0);
    expect(consumed.handled).toBe(N);
    expect(consumed.duplicates).toBe(report.readNew - N);
  }, 900_000);
});
