/**
 * The generated project fails fast and says why, in one line:
 * - its `npm test` with no broker answering stops within seconds with how to start them (a
 *   globalSetup of the project checks the addresses of .env / the environment), instead of every
 *   test retrying its connection;
 * - an example without its connection setting names the variable;
 * - its npm scripts on a Node older than package.json's engines (the machine's system Node 20) name
 *   the Node they need instead of crashing on the .ts files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_PLUGINS } from '../../generators/brokers/index.ts';
import { meetsMinimum } from '../../generators/cli/node-version.ts';
import { brokersOf } from '../../generators/stack/index.ts';
import { runCommand, tempDir } from '../support/cli.ts';
import { generateProject, run, specFor } from './support.ts';

const SYSTEM_NODE = '/usr/bin/node';
const SYSTEM_NPM = '/usr/bin/npm';
const systemVersion = existsSync(SYSTEM_NODE) ? spawnSync(SYSTEM_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim() : '';

let root: string;
let engine: string;
/** The connection variables of the hybrid project (.env.example), as the hint names them. */
let addressVariables: string[];

/** A port nothing listens on: one the kernel just handed out and that was closed again. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

beforeAll(async () => {
  root = await generateProject('fail-fast', specFor('hybrid'));
  engine = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
  const spec = specFor('hybrid');
  addressVariables = brokersOf(spec).flatMap((b) => BROKER_PLUGINS[b].connection.connection(spec).map((c) => c.env));
  expect(addressVariables).toEqual(expect.arrayContaining(['KAFKA_BROKERS', 'RABBITMQ_URL', 'REDIS_URL']));
});

describe('generated hybrid project, no broker running', () => {
  it('npm test exits non-zero within 30 s with one line naming the silent brokers and how to start them', async () => {
    const [kafka, rabbit, redis] = await Promise.all([closedPort(), closedPort(), closedPort()]);
    const t0 = Date.now();
    const r = await run('npm', ['test'], root, {
      KAFKA_BROKERS: `127.0.0.1:${kafka}`,
      RABBITMQ_URL: `amqp://app:secret@127.0.0.1:${rabbit}/shop`,
      REDIS_URL: `redis://app:secret@127.0.0.1:${redis}/0`,
    }, 60_000);
    const seconds = (Date.now() - t0) / 1000;
    expect(r.code).not.toBe(0);
    expect(seconds).toBeLessThan(30);
    const hint = lines(r.output).filter((l) => l.startsWith('Cannot test:'));
    expect(hint).toEqual([
      `Cannot test: no answer from Kafka at 127.0.0.1:${kafka} (KAFKA_BROKERS), RabbitMQ at 127.0.0.1:${rabbit} (RABBITMQ_URL), Redis at 127.0.0.1:${redis} (REDIS_URL). ` +
        `Start the brokers with \`docker compose up -d\` (and wait until \`docker compose ps\` shows them healthy), or set ${addressVariables.join(', ')} to running brokers.`,
    ]);
    expect(r.output).not.toMatch(/ECONNREFUSED|^\s+at /m);
  });

  it('checks every node of RABBITMQ_HOSTS, and names them when none answers', async () => {
    const [kafka, a, b, redis] = await Promise.all([closedPort(), closedPort(), closedPort(), closedPort()]);
    const r = await run('npm', ['test'], root, {
      KAFKA_BROKERS: `127.0.0.1:${kafka}`,
      RABBITMQ_URL: 'amqp://app:secret@127.0.0.1:1/shop',
      RABBITMQ_HOSTS: `127.0.0.1:${a},127.0.0.1:${b}`,
      REDIS_URL: `redis://127.0.0.1:${redis}`,
    }, 60_000);
    expect(r.code).not.toBe(0);
    expect(lines(r.output).filter((l) => l.startsWith('Cannot test:'))).toEqual([
      expect.stringContaining(`RabbitMQ at 127.0.0.1:${a} (RABBITMQ_HOSTS), RabbitMQ at 127.0.0.1:${b} (RABBITMQ_HOSTS), Redis at`),
    ]);
  });

  it('npm test with an address variable missing says which one, in one line', async () => {
    const r = await run('npm', ['test'], root, { KAFKA_BROKERS: '', RABBITMQ_URL: 'amqp://app:secret@127.0.0.1:1/shop', REDIS_URL: 'redis://127.0.0.1:1' }, 60_000);
    expect(r.code).not.toBe(0);
    expect(lines(r.output).filter((l) => l.startsWith('Cannot test:'))).toEqual([
      expect.stringMatching(/^Cannot test: KAFKA_BROKERS is not set: .*\. Start the brokers with `docker compose up -d`/),
    ]);
  });
});

describe('generated hybrid project, a setting missing', () => {
  it('an example says which variable, in one line, instead of a stack trace', async () => {
    const r = await run('npm', ['run', '-s', 'example:events'], root, { KAFKA_BROKERS: '' }, 60_000);
    expect(r.code).toBe(1);
    expect(r.output).toBe('KAFKA_BROKERS is not set: start the stack (docker compose up -d) and load .env, or export it\n');
  });
});

describe.skipIf(systemVersion === '' || !existsSync(SYSTEM_NPM) || meetsMinimum(systemVersion, '22.22'))(`generated project on the system Node (${systemVersion || 'none'})`, () => {
  // Only the system's Node and npm on PATH: what a user with an old Node gets. The project lies
  // outside this repo, whose node_modules/.bin (Node 24) npm would otherwise put on PATH.
  const oldNode = { PATH: '/usr/bin:/bin', npm_config_update_notifier: 'false' };
  const base = tempDir('brokerplate-old-node-');
  let outside: string;
  beforeAll(async () => {
    outside = await generateProject('old-node', specFor('hybrid'), base);
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it.each([['run', '-s', 'example:events'], ['run', '-s', 'example'], ['test']].map((args) => ({ args, shown: args.join(' ') })))('npm $shown prints one line naming the Node it needs and exits 1', async ({ args }) => {
    const r = await runCommand(SYSTEM_NPM, args, { cwd: outside, env: oldNode, timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`shop needs Node ${engine} (package.json engines); this is Node ${systemVersion}. Install a newer Node (e.g. \`nvm install 24\`) and run it again.\n`);
    expect(r.output).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|^\s+at /m);
  });
});
