/**
 * Shared by the client tests: build a spec, emit the generated project into test/.work/clients/,
 * give it dependencies (one npm ci from a lockfile, cached and shared by every generated project through a
 * node_modules symlink), and run its tools with this repo's Node 24 first on PATH.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { contractsOf } from '../../generators/emit/clients-contracts.ts';
import type { ChannelView } from '../../generators/emit/clients-model.ts';
import { emitProject } from '../../generators/emit/index.ts';
import type { ScenarioId } from '../../generators/guide/index.ts';
import type { StackSpec } from '../../generators/stack/index.ts';
import { NPM_VERSIONS } from '../../generators/versions/npm.ts';
import { ROOT, runCommand, type RunResult } from '../support/cli.ts';
import { alive, withLock } from '../support/lock.ts';
import type { Payload } from './api.ts';
import { specFor as baseSpecFor, type SpecOptions } from '../support/stack.ts';

export type { SpecOptions };

export const WORK = join(ROOT, 'test', '.work', 'clients');
const DEPS_CACHE = join(ROOT, 'node_modules', '.cache', 'brokerplate-clients');
const NODE_BIN = join(ROOT, 'node_modules', '.bin');

/** A validated dev-profile, compose-target spec for a scenario. */
export function specFor(scenario: ScenarioId, options: SpecOptions = {}): StackSpec {
  return baseSpecFor(scenario, 'dev', { targets: ['compose'], ...options });
}

/** A spec's channels as the generated contracts see them, with their sample and invalid payloads. */
export interface ChannelSamples {
  /** Reads the channels of `spec` (call in beforeAll, once the spec is built). */
  load(spec: StackSpec): void;
  view(name: string): ChannelView;
  sample(name: string): Payload;
  invalid(name: string): Payload;
}

export function channelSamples(): ChannelSamples {
  let views = new Map<string, ChannelView>();
  const view = (name: string): ChannelView => {
    const v = views.get(name);
    if (!v) throw new Error(`no channel ${name}`);
    return v;
  };
  return {
    load: (spec) => {
      views = new Map(contractsOf(spec).views.map((v) => [v.name, v]));
    },
    view,
    sample: (name) => JSON.parse(view(name).sampleJson) as Payload,
    invalid: (name) => JSON.parse(view(name).invalidJson) as Payload,
  };
}

/** Runs a command with Node 24 first on PATH; never rejects on a non-zero exit. */
export function run(command: string, args: readonly string[], cwd: string, env: Record<string, string | undefined> = {}, timeoutMs = 300_000): Promise<RunResult> {
  return runCommand(command, args, { cwd, timeoutMs, env: { ...env, PATH: `${NODE_BIN}:${process.env.PATH ?? ''}`, npm_config_update_notifier: 'false' } });
}

export { acquireLock } from '../support/lock.ts';

/** package.json + package-lock.json of every package a generated project can depend on (NPM_VERSIONS), locked. */
const DEPS = join(ROOT, 'test', 'clients', 'deps');

/**
 * node_modules holding every package a generated project can depend on, installed with `npm ci`
 * from test/clients/deps (so no transitive version floats) once per lockfile, and reused by every
 * test file and every later run. The lock must list exactly NPM_VERSIONS: bump both together.
 */
export async function sharedNodeModules(): Promise<string> {
  const manifest = readFileSync(join(DEPS, 'package.json'), 'utf8');
  const lock = readFileSync(join(DEPS, 'package-lock.json'), 'utf8');
  const locked = (JSON.parse(manifest) as { dependencies: Record<string, string> }).dependencies;
  const wanted = Object.fromEntries(Object.entries(NPM_VERSIONS).sort(([a], [b]) => (a < b ? -1 : 1)));
  if (JSON.stringify(locked) !== JSON.stringify(wanted)) {
    throw new Error(`test/clients/deps/package.json does not list NPM_VERSIONS (generators/versions/npm.ts): set its dependencies to ${JSON.stringify(wanted)} and run npm install --package-lock-only there`);
  }
  const hash = createHash('sha256').update(lock).digest('hex').slice(0, 12);
  const dir = join(DEPS_CACHE, `deps-${hash}`);
  const modules = join(dir, 'node_modules');
  if (existsSync(join(dir, '.installed'))) return modules;
  mkdirSync(DEPS_CACHE, { recursive: true });
  return withLock(`${dir}.lock`, async () => {
    if (existsSync(join(dir, '.installed'))) return modules;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), manifest);
    writeFileSync(join(dir, 'package-lock.json'), lock);
    const t0 = Date.now();
    const r = await run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], dir);
    if (r.code !== 0) throw new Error(`npm ci of the generated projects' dependencies failed:\n${r.output}`);
    writeFileSync(join(dir, '.installed'), `${Date.now() - t0} ms\n`);
    return modules;
  });
}

/**
 * Writes the generated project for `spec` into test/.work/clients/<dir>-<pid> (or under `base`) and
 * links the shared node_modules. The pid keeps concurrent test runs (and files) apart; folders of
 * runs that ended are removed by later runs.
 */
export async function generateProject(dir: string, spec: StackSpec, base = WORK): Promise<string> {
  mkdirSync(base, { recursive: true });
  for (const old of readdirSync(base)) {
    const pid = /-(\d+)$/.exec(old)?.[1];
    if (pid !== undefined && !alive(Number(pid))) rmSync(join(base, old), { recursive: true, force: true });
  }
  const root = join(base, `${dir}-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  for (const f of emitProject(spec)) {
    const path = join(root, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.contents);
  }
  symlinkSync(await sharedNodeModules(), join(root, 'node_modules'), 'dir');
  return root;
}

/** `tsc --noEmit` at the project's root, with the project's own TypeScript. */
export function typecheck(root: string): Promise<RunResult> {
  return run(join(root, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', '.'], root);
}

/** A short id that keeps this run's broker-side names (streams, queues, topics) apart from earlier runs'. */
export function runSuffix(): string {
  return randomBytes(3).toString('hex');
}

/** Polls `check` until it returns something other than undefined/false. */
export async function eventually<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
