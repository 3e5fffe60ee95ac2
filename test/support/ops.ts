/**
 * Helpers for the monitoring and backup tests: specs for every scenario, emitted files on disk,
 * real tools (promtool, amtool, Prometheus, exporters: the pinned builds of scripts/tools) as child
 * processes, programs of the Debian 13 root (redis-cli, redis-server, redis_exporter), and brokers
 * from scripts/brokers/brokers.mjs in a state directory and on ports of their own.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { recommendedBrokers, SCENARIO_IDS, type ScenarioId } from '../../generators/guide/index.ts';
import { JMX_EXPORTER } from '../../generators/brokers/kafka/monitoring.ts';
import type { GeneratedFile } from '../../generators/emit/files.ts';
import { buildSpec, parseSpec, PROFILES, type Profile, type StackSpec } from '../../generators/stack/index.ts';
import { afterAll } from 'vitest';
import { monitoringArea } from '../../generators/emit/monitoring.ts';
import { ROOT, tempDir } from './cli.ts';
import { useBrokerSet } from './global-brokers.ts';
import { inDebianRoot, toolPath } from './tools.ts';

export function opsSpec(scenario: ScenarioId, profile: Profile, edit?: (raw: StackSpec) => void): StackSpec {
  const raw = buildSpec({ name: 'shop', scenario, brokers: recommendedBrokers(scenario), profile, targets: ['compose', 'k8s'], decision: { overridden: false } });
  edit?.(raw);
  const parsed = parseSpec(raw);
  if (!parsed.ok) throw new Error(`spec for ${scenario}/${profile} does not parse: ${JSON.stringify(parsed.issues)}`);
  return parsed.spec;
}

/** Every scenario in both profiles. */
export const ALL_CASES = SCENARIO_IDS.flatMap((scenario) => PROFILES.map((profile) => ({ scenario, profile })));

/** The hybrid stack in prod, and every scenario the guide answers with a single broker. */
export const LIVE_CASES: { scenario: ScenarioId; profile: Profile }[] = [
  { scenario: 'hybrid', profile: 'prod' },
  ...SCENARIO_IDS.filter((s) => s !== 'hybrid' && recommendedBrokers(s).length === 1).map((scenario) => ({ scenario, profile: 'dev' as const })),
];

export function writeFiles(dir: string, files: readonly GeneratedFile[]): void {
  for (const f of files) {
    const path = join(dir, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.contents, { mode: f.path.endsWith('.sh') ? 0o755 : 0o644 });
  }
}

export interface ToolResult {
  status: number | null;
  out: string;
}

/** Runs a tool to completion; stdout and stderr together (what a user would read). */
export function tool(cmd: string, args: readonly string[], options: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): ToolResult {
  const r = spawnSync(cmd, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** `tool` for a program of the Debian 13 root (e.g. a generated Redis script, run as the redis image runs it). */
export function rootTool(argv: readonly string[], options: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): ToolResult {
  const { command, args } = inDebianRoot(argv, { cwd: options.cwd ?? process.cwd() });
  return tool(command, args, options);
}

/** A temp-dir maker whose folders are removed when the test file ends. */
export function scratchDirs(): (prefix?: string) => string {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return (prefix) => {
    const d = tempDir(prefix);
    dirs.push(d);
    return d;
  };
}

/** A long-running child process (an exporter, Prometheus) we started and must stop. */
export class Proc {
  readonly child: ChildProcess;
  readonly name: string;
  constructor(name: string, cmd: string, args: readonly string[], options: { env?: Record<string, string>; log: string; cwd?: string }) {
    this.name = name;
    mkdirSync(dirname(options.log), { recursive: true });
    const out = openSync(options.log, 'a');
    this.child = spawn(cmd, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', out, out] });
  }
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  async stop(): Promise<void> {
    if (!this.alive) return;
    const done = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  }
}

/** A long-running program of the Debian 13 root (redis-server, redis_exporter). */
export function rootProc(name: string, argv: readonly string[], options: { env?: Record<string, string>; log: string; cwd?: string }): Proc {
  const { command, args } = inDebianRoot(argv, { cwd: options.cwd ?? process.cwd() });
  return new Proc(name, command, args, options);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a value (not undefined) or the time is up. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(250);
  }
}

export async function httpText(url: string, init?: RequestInit): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

// ---------------------------------------------------------------- brokers (scripts/brokers/brokers.mjs, our own instance)

export interface BrokerEnv {
  readonly state: string;
  readonly redisPort: number;
  readonly redisPassword: string;
  readonly rabbitPort: number;
  readonly rabbitMgmt: number;
  readonly rabbitProm: number;
  readonly kafkaPort: number;
  readonly jmxPort: number;
}

/** Port block per test file (base + offsets), away from brokers.mjs' defaults and the brokers' standard ports. */
export function brokerEnv(state: string, base: number): BrokerEnv {
  return { state, redisPort: base + 1, redisPassword: 'ops-test-redis', rabbitPort: base + 2, rabbitMgmt: base + 3, rabbitProm: base + 4, kafkaPort: base + 7, jmxPort: base + 9 };
}

function brokersProcessEnv(b: BrokerEnv, jmxConfig?: string): Record<string, string> {
  return {
    BROKERS_STATE_DIR: b.state,
    REDIS_PORT: String(b.redisPort),
    REDIS_PASSWORD: b.redisPassword,
    RABBITMQ_PORT: String(b.rabbitPort),
    RABBITMQ_MANAGEMENT_PORT: String(b.rabbitMgmt),
    RABBITMQ_PROMETHEUS_PORT: String(b.rabbitProm),
    RABBITMQ_DIST_PORT: String(b.rabbitPort + 3),
    RABBITMQ_EPMD_PORT: String(b.rabbitPort + 4),
    KAFKA_PORT: String(b.kafkaPort),
    KAFKA_CONTROLLER_PORT: String(b.kafkaPort + 1),
    KAFKA_EXTRA_JVM_OPTS: jmxConfig ? `-javaagent:${jmxAgentJar()}=127.0.0.1:${b.jmxPort}:${jmxConfig}` : '',
  };
}

const BROKERS_MJS = join(ROOT, 'scripts', 'brokers', 'brokers.mjs');

/** redis-cli of the Debian root, as brokers.mjs writes it into the state dir. */
export function redisCliPath(b: BrokerEnv): string {
  return join(b.state, 'bin', 'redis-cli');
}

/** `brokers.mjs <args>` with our state dir and ports (a child process: brokers.mjs reads its config at import). */
export function brokersCli(b: BrokerEnv, args: readonly string[], jmxConfig?: string): ToolResult {
  return tool(process.execPath, [BROKERS_MJS, ...args], { env: brokersProcessEnv(b, jmxConfig), timeoutMs: 240_000 });
}

/**
 * The brokers the monitoring and backup suites share (Redis with a password, RabbitMQ, Kafka with
 * the JMX exporter agent and the hybrid stack's generated agent config): started once per run by
 * whichever file needs them first, from empty data, and stopped and purged at the end of the run
 * (test/support/global-brokers.ts). The two files keep apart by name: the backup suite's vhosts
 * and Kafka topic are its own.
 */
export const OPS_BROKERS = brokerEnv(join(ROOT, 'test', '.work', 'ops-brokers'), 26100);

export async function opsBrokers(): Promise<BrokerEnv> {
  const b = OPS_BROKERS;
  const jmxConfig = join(b.state, 'jmx-exporter.yml');
  const agentConfig = monitoringArea.emit(opsSpec('hybrid', 'prod')).files.find((f) => f.path === 'monitoring/kafka/jmx-exporter.yml');
  if (!agentConfig) throw new Error('the hybrid stack has no monitoring/kafka/jmx-exporter.yml');
  await useBrokerSet(
    { id: 'ops', env: brokersProcessEnv(b, jmxConfig), fresh: true, prepare: () => writeFiles(b.state, [{ ...agentConfig, path: 'jmx-exporter.yml' }]) },
    ['redis', 'rabbitmq', 'kafka'],
  );
  return b;
}

/** A live test's teardown: its processes and its work folder (the shared brokers stop at the end of the run). */
export async function tearDown(procs: readonly Proc[], work: string): Promise<void> {
  await Promise.all(procs.map((p) => p.stop()));
  rmSync(work, { recursive: true, force: true });
}

/** A Kafka tool class on the cached jars (kafka-topics.sh & co. without the distribution's scripts). */
export function kafkaTool(b: BrokerEnv, mainClass: string, args: readonly string[], input?: string): ToolResult {
  const r = spawnSync(process.execPath, [BROKERS_MJS, 'kafka-run', mainClass, ...args], {
    env: { ...process.env, ...brokersProcessEnv(b) },
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/**
 * A bin/ folder with kafka-topics.sh, kafka-configs.sh and kafka-consumer-groups.sh that run the
 * tool classes on the cached jars, so the generated scripts run as in the Kafka image.
 */
export function kafkaBinShims(dir: string): string {
  const bin = join(dir, 'kafka-bin');
  mkdirSync(bin, { recursive: true });
  const classes: Record<string, string> = {
    'kafka-topics.sh': 'org.apache.kafka.tools.TopicCommand',
    'kafka-configs.sh': 'org.apache.kafka.tools.ConfigCommand',
    'kafka-consumer-groups.sh': 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
  };
  for (const [name, cls] of Object.entries(classes)) {
    writeFileSync(join(bin, name), `#!/bin/sh\nexec '${process.execPath}' '${BROKERS_MJS}' kafka-run ${cls} "$@"\n`, { mode: 0o755 });
  }
  return bin; // run with kafkaShimEnv(): brokers.mjs finds its state dir (tools' log4j config) there
}

export function kafkaShimEnv(b: BrokerEnv): Record<string, string> {
  return brokersProcessEnv(b);
}

// ---------------------------------------------------------------- the JMX exporter agent

/** The agent jar (scripts/tools: jmx-javaagent, from Maven Central). */
export function jmxAgentJar(): string {
  return toolPath('jmx-javaagent');
}

/** The sha256 of the agent jar the tools installed (the generated compose checks the same sum). */
export function jmxAgentSha256(): string {
  return createHash('sha256').update(readFileSync(jmxAgentJar())).digest('hex');
}
