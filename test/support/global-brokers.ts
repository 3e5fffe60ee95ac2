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
 * Besides this default set, a test area can share a broker set of its own between its files
 * (useBrokerSet: own state dir, ports and settings, e.g. the monitoring and backup suites'), started
 * once per run by whichever file needs it first and stopped (and, if fresh, purged) at the end.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
/** One file per broker a test run started (and which the last run out stops), one folder per set. */
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

/** A set of brokers with its own state dir, ports and settings (brokers.mjs reads them from the environment). */
export interface BrokerSet {
  /** A name for the set's markers, e.g. `ops`. */
  readonly id: string;
  /** brokers.mjs environment: BROKERS_STATE_DIR, ports, passwords, KAFKA_EXTRA_JVM_OPTS, … */
  readonly env: Readonly<Record<string, string>>;
  /** Start from empty data in every run (purged before the first start and after the last stop). */
  readonly fresh?: boolean;
  /** Runs before the first start, under the set's lock (e.g. writes a config file the env points at). */
  readonly prepare?: () => void;
}

interface Marker {
  run: string;
  env: Record<string, string>;
  fresh: boolean;
}

/**
 * Starts the brokers of a set (or reuses them when running, e.g. started by another file of this
 * run) and returns what brokers.mjs prints (`KEY=value`: URLs, ports, …).
 */
export async function useBrokerSet(set: BrokerSet, names: readonly BrokerName[]): Promise<Record<string, string>> {
  mkdirSync(STATE, { recursive: true });
  return withLock(LOCK, async () => {
    const status = await brokersCli(['status'], set.env);
    const running = new Set(status.stdout.split('\n').filter((l) => /\bpid \d+ ready\b/.test(l)).map((l) => l.split(/\s+/)[0]));
    if (set.fresh && running.size === 0) await brokersCli(['down', '--purge'], set.env); // a crashed run's data
    set.prepare?.();
    const up = await brokersCli(['up', ...names], set.env);
    // Marked even when `up` failed: the brokers that did start must be stopped at the end too.
    const marker: Marker = { run: (await runId()) ?? 'unknown', env: { ...set.env }, fresh: set.fresh ?? false };
    mkdirSync(join(MARKERS, set.id), { recursive: true });
    for (const n of names) if (!running.has(n)) writeFileSync(join(MARKERS, set.id, n), `${JSON.stringify(marker)}\n`);
    if (up.code !== 0) throw new Error(`brokers.mjs up ${names.join(' ')} (${set.id}) failed:\n${up.stderr}`);
    return parseEnvLines(up.stdout);
  }, 600_000);
}

/**
 * The URLs of the given brokers of the default set: reused from the environment when set,
 * otherwise started (or reused, if already running) with brokers.mjs.
 */
export async function useBrokers(names: readonly BrokerName[]): Promise<BrokerUrls> {
  const missing = names.filter((n) => !process.env[URL_VAR[n]]);
  const urls: BrokerUrls = Object.fromEntries(names.filter((n) => process.env[URL_VAR[n]]).map((n) => [URL_VAR[n], process.env[URL_VAR[n]]]));
  if (missing.length === 0) return urls;
  const env = await useBrokerSet({ id: 'default', env: {} }, missing);
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
      let sets: string[] = [];
      try {
        sets = readdirSync(MARKERS);
      } catch {
        return;
      }
      for (const set of sets) {
        if (!statSync(join(MARKERS, set)).isDirectory()) {
          // a marker of an older layout: a broker of the default set
          await brokersCli(['stop', set]);
          rmSync(join(MARKERS, set), { force: true });
          continue;
        }
        let env: Record<string, string> = {};
        let fresh = false;
        for (const name of readdirSync(join(MARKERS, set))) {
          const marker = JSON.parse(readFileSync(join(MARKERS, set, name), 'utf8')) as Marker;
          ({ env, fresh } = marker);
          const r = await brokersCli(['stop', name], env);
          if (r.code !== 0) console.error(`[global-brokers] stopping ${name} (${set}) failed:\n${r.stderr}`);
          rmSync(join(MARKERS, set, name), { force: true });
        }
        if (fresh) await brokersCli(['down', '--purge'], env);
        rmSync(join(MARKERS, set), { recursive: true, force: true });
      }
    }, 600_000);
  };
}
