/**
 * Real brokers for the tests that need them, started lazily and stopped once.
 *
 * Why lazy: a vitest globalSetup runs before every run, also `vitest run test/spec` that needs no
 * broker; starting RabbitMQ and Kafka there would add ~15 s to every unit-test run. So:
 * - a test file that needs brokers calls `useBrokers(['redis', ...])` in its beforeAll. If
 *   REDIS_URL / RABBITMQ_URL / KAFKA_BROKERS are already set (CI after `npm run brokers:up`, or a
 *   developer's shell) those brokers are reused as they are; otherwise the missing ones are started
 *   with scripts/brokers/brokers.mjs (under a file lock: test files run in parallel processes), and
 *   each one started is recorded under .brokers/started-by/ with this run's id;
 * - the globalSetup below registers the run (.brokers/users/<run>, with its pid) and, at the very
 *   end, stops the brokers that test runs started, unless another run on this machine is still
 *   alive (the last one out stops them). Brokers that were already running are left alone.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ROOT } from './cli.ts';
import { alive, withLock } from './lock.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    brokersRun: string;
  }
}

export type BrokerName = 'redis' | 'rabbitmq' | 'kafka';

/** What the client tests need to reach the brokers. */
export interface BrokerUrls {
  REDIS_URL?: string;
  RABBITMQ_URL?: string;
  KAFKA_BROKERS?: string;
}

const URL_VAR: Readonly<Record<BrokerName, keyof BrokerUrls>> = { redis: 'REDIS_URL', rabbitmq: 'RABBITMQ_URL', kafka: 'KAFKA_BROKERS' };
const BROKERS_MJS = join(ROOT, 'scripts', 'brokers', 'brokers.mjs');
const STATE = process.env.BROKERS_STATE_DIR ?? join(ROOT, '.brokers');
/** One file per broker a test run started (and which the last run out stops). */
const MARKERS = join(STATE, 'started-by');
/** One file per live vitest run, holding its pid. */
const USERS = join(STATE, 'users');
const LOCK = join(STATE, '.up.lock');

/** Runs brokers.mjs (a child process: it reads its configuration from the environment at import). */
export function brokersCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BROKERS_MJS, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `KEY=value` lines (as printed by brokers.mjs up/env) into an object; single quotes are shell quoting. */
export function parseEnvLines(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
      .map((l) => {
        const i = l.indexOf('=');
        const v = l.slice(i + 1);
        return [l.slice(0, i), v.startsWith("'") ? v.slice(1, -1).replaceAll("'\\''", "'") : v];
      }),
  );
}

/** This run's id, from the globalSetup (imported lazily: this module also loads in the main process). */
async function runId(): Promise<string | undefined> {
  try {
    const { inject } = await import('vitest');
    return inject('brokersRun');
  } catch {
    return undefined;
  }
}

/**
 * The URLs of the given brokers: reused from the environment when set, otherwise started
 * (or reused, if already running) with brokers.mjs.
 */
export async function useBrokers(names: readonly BrokerName[]): Promise<BrokerUrls> {
  const missing = names.filter((n) => !process.env[URL_VAR[n]]);
  const urls: BrokerUrls = Object.fromEntries(names.filter((n) => process.env[URL_VAR[n]]).map((n) => [URL_VAR[n], process.env[URL_VAR[n]]]));
  if (missing.length === 0) return urls;
  mkdirSync(STATE, { recursive: true });
  const env = await withLock(LOCK, async () => {
    const status = await brokersCli(['status']);
    const running = new Set(status.stdout.split('\n').filter((l) => /\bpid \d+ ready\b/.test(l)).map((l) => l.split(/\s+/)[0]));
    const up = await brokersCli(['up', ...missing]);
    if (up.code !== 0) throw new Error(`brokers.mjs up ${missing.join(' ')} failed:\n${up.stderr}`);
    const run = (await runId()) ?? 'unknown';
    mkdirSync(MARKERS, { recursive: true });
    for (const n of missing) if (!running.has(n)) writeFileSync(join(MARKERS, n), `${run}\n`);
    return parseEnvLines(up.stdout);
  }, 600_000);
  for (const n of missing) {
    const value = env[URL_VAR[n]];
    if (!value) throw new Error(`brokers.mjs printed no ${URL_VAR[n]}`);
    urls[URL_VAR[n]] = value;
  }
  return urls;
}

/** vitest globalSetup: registers this run, hands out its id; at teardown the last live run stops the brokers runs started. */
export default function setup(project: TestProject): () => Promise<void> {
  const run = randomUUID();
  mkdirSync(USERS, { recursive: true });
  writeFileSync(join(USERS, run), `${process.pid}\n`);
  project.provide('brokersRun', run);
  return async () => {
    await withLock(LOCK, async () => {
      rmSync(join(USERS, run), { force: true });
      const others = readdirSync(USERS).filter((f) => {
        const pid = Number.parseInt(readFileSync(join(USERS, f), 'utf8'), 10);
        if (alive(pid)) return true;
        rmSync(join(USERS, f), { force: true }); // a run that died
        return false;
      });
      if (others.length > 0) return;
      let started: string[] = [];
      try {
        started = readdirSync(MARKERS);
      } catch {
        return;
      }
      for (const name of started) {
        const r = await brokersCli(['stop', name]);
        if (r.code !== 0) console.error(`[global-brokers] stopping ${name} failed:\n${r.stderr}`);
        rmSync(join(MARKERS, name), { force: true });
      }
    }, 600_000);
  };
}
