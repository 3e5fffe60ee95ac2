/**
 * `npm run bench`: the repo's benchmarks, written to BENCHMARKS.md.
 * 1. generation: bench/generation.mjs (wall time of a hybrid/prod generation vs `node -e 0` and yo);
 * 2. clients: a project generated from bench/spec.ts runs its own `npm run bench` (generated
 *    clients vs raw drivers, side by side) on the brokers of scripts/brokers/brokers.mjs, started
 *    here if they are not running (and stopped afterwards) unless the environment names them;
 * 3. Kafka's own ProducerPerformance on the same broker.
 *
 *   node bench/index.ts [--only kafka,redis] [--rounds 7] [--seconds 0.5] [--out BENCHMARKS.md]
 *   node bench/index.ts --smoke --only redis --out /tmp/b.md     # a few messages: the harness runs
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateProject } from '../test/clients/support.ts';
import { ROOT } from '../test/support/cli.ts';
import { brokersCli, parseEnvLines, type BrokerName } from '../test/support/global-brokers.ts';
import { renderReport, type ClientRow, type GenerationRow, type Machine, type Report, type ServerRow, type ToolRow } from './report.ts';
import { BENCH_NAMES, benchSpec } from './spec.ts';

const ALL: readonly BrokerName[] = ['kafka', 'rabbitmq', 'redis'];
const URL_VAR: Readonly<Record<BrokerName, string>> = { redis: 'REDIS_URL', rabbitmq: 'RABBITMQ_URL', kafka: 'KAFKA_BROKERS' };
const NODE_BIN = join(ROOT, 'node_modules', '.bin');
const log = (line: string) => console.error(`[bench] ${line}`);

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string', default: '7' },
    seconds: { type: 'string', default: '0.5' },
    latency: { type: 'string', default: '200' },
    sizes: { type: 'string', default: '100,1024' },
    'generation-rounds': { type: 'string', default: '15' },
    'tool-runs': { type: 'string', default: '3' },
    out: { type: 'string' },
    /** Where the run's figures go as JSON (full runs: bench/last-run.json). */
    json: { type: 'string' },
    /** Re-renders the report from a JSON of an earlier run (e.g. after editing bench/notes.md), measuring nothing. */
    render: { type: 'string' },
  },
});
const smoke = args.smoke === true;
const only = (args.only?.split(',').map((s) => s.trim()) ?? [...ALL]) as BrokerName[];
for (const name of only) if (!ALL.includes(name)) throw new Error(`--only: unknown broker ${name}`);
const options = {
  rounds: smoke ? 1 : Number(args.rounds),
  seconds: smoke ? 0.01 : Number(args.seconds),
  latencyMessages: smoke ? 5 : Number(args.latency),
  sizes: (smoke ? '100' : args.sizes).split(',').map(Number),
  generationRounds: smoke ? 1 : Number(args['generation-rounds']),
};
const toolRuns = smoke ? 1 : Number(args['tool-runs']);
const out = args.out ?? (smoke ? undefined : join(ROOT, 'BENCHMARKS.md'));
const jsonOut = args.json ?? (smoke ? undefined : join(ROOT, 'bench', 'last-run.json'));
const NOTES = join(ROOT, 'bench', 'notes.md');
const notes = () => (existsSync(NOTES) ? { notes: readFileSync(NOTES, 'utf8') } : {});

if (args.render) {
  const saved = JSON.parse(readFileSync(args.render, 'utf8')) as Report;
  writeFileSync(out ?? join(ROOT, 'BENCHMARKS.md'), renderReport({ ...saved, ...notes() }));
  log(`rendered ${out ?? 'BENCHMARKS.md'} from ${args.render}`);
  process.exit(0);
}
const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'brokerplate-bench-'));
const env = { ...process.env, PATH: `${NODE_BIN}:${process.env.PATH ?? ''}`, NO_COLOR: '1' };

/** Runs a command; stderr goes to ours (progress), stdout is returned. Rejects on a non-zero exit. */
function runCommand(command: string, argv: readonly string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} ${argv.join(' ')} exited with ${code}`))));
  });
}

// ---------------------------------------------------------------- brokers

/** Brokers started by this run, stopped at the end (also on Ctrl-C). */
const startedHere: BrokerName[] = [];
let stopping: Promise<void> | undefined;
function stopStarted(): Promise<void> {
  stopping ??= (async () => {
    for (const name of startedHere.splice(0)) {
      log(`stopping ${name} (started by this run)`);
      const r = await brokersCli(['stop', name]);
      if (r.code !== 0) log(`stopping ${name} failed: ${r.stderr}`);
    }
  })();
  return stopping;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopStarted().finally(() => process.exit(130));
  });
}

async function brokers(names: readonly BrokerName[]): Promise<Record<string, string>> {
  const urls: Record<string, string> = {};
  const missing = names.filter((n) => {
    const value = process.env[URL_VAR[n]];
    if (value) urls[URL_VAR[n]] = value;
    return !value;
  });
  if (missing.length === 0) return urls;
  const status = await brokersCli(['status']);
  const running = new Set(status.stdout.split('\n').filter((l) => /\bpid \d+ ready\b/.test(l)).map((l) => l.split(/\s+/)[0]));
  log(`brokers.mjs up ${missing.join(' ')}`);
  const up = await brokersCli(['up', ...missing]);
  startedHere.push(...missing.filter((n) => !running.has(n)));
  if (up.code !== 0) throw new Error(`brokers.mjs up failed:\n${up.stderr}`);
  const vars = parseEnvLines(up.stdout);
  // redis-cli and redis-benchmark of the brokers' own build (the Debian 13 root), not whatever is on PATH
  if (vars.BROKERS_BIN) process.env.PATH = `${vars.BROKERS_BIN}:${process.env.PATH ?? ''}`;
  for (const n of missing) urls[URL_VAR[n]] = vars[URL_VAR[n]] ?? '';
  return { ...vars, ...urls };
}

// ---------------------------------------------------------------- machine

function firstLine(command: string, argv: readonly string[]): string {
  const r = spawnSync(command, argv, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown';
}

/** `redis_version` from INFO server, over a plain RESP connection (AUTH first when the URL carries a login). */
function redisServerVersion(url: string): Promise<string | undefined> {
  const u = new URL(url);
  const command = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  const login = u.password ? command('AUTH', ...(u.username ? [decodeURIComponent(u.username)] : []), decodeURIComponent(u.password)) : '';
  return new Promise((resolve) => {
    let text = '';
    const socket = connect({ host: u.hostname, port: Number(u.port || 6379) }, () => socket.write(`${login}${command('INFO', 'server')}`));
    const done = (v: string | undefined) => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(5_000, () => done(undefined));
    socket.on('error', () => done(undefined));
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      const version = /redis_version:(\S+)/.exec(text)?.[1];
      if (version || /^-/m.test(text)) done(version);
    });
  });
}

async function brokerVersions(vars: Record<string, string>): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  if (only.includes('kafka')) {
    versions.Kafka = vars.KAFKA_VERSION ? `${vars.KAFKA_VERSION} (KRaft, single node; ${firstLine('java', ['-version'])})` : 'external (KAFKA_BROKERS)';
  }
  if (only.includes('rabbitmq')) {
    try {
      const url = new URL(vars.RABBITMQ_URL ?? '');
      const management = vars.RABBITMQ_MANAGEMENT_URL ?? `http://${url.hostname}:15672`;
      const auth = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64');
      const overview = (await (await fetch(`${management}/api/overview`, { headers: { authorization: `Basic ${auth}` } })).json()) as { rabbitmq_version?: string; erlang_version?: string };
      versions.RabbitMQ = `${overview.rabbitmq_version ?? 'unknown'} (Erlang ${overview.erlang_version ?? 'unknown'}, single node)`;
    } catch {
      versions.RabbitMQ = 'unknown (management API not reachable)';
    }
  }
  if (only.includes('redis')) {
    // Asked over the wire: a new machine has no redis-cli on its PATH (the tests' Redis runs from the Debian 13 root).
    versions.Redis = (await redisServerVersion(vars.REDIS_URL ?? 'redis://127.0.0.1:6379')) ?? 'unknown (INFO not answered)';
  }
  return versions;
}

function machine(versions: Record<string, string>): Machine {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const os = /PRETTY_NAME="([^"]+)"/.exec(existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '')?.[1] ?? process.platform;
  return {
    date: new Date().toISOString().slice(0, 10),
    cpus: cpus().length,
    cpuModel: model,
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    os,
    brokers: versions,
    load: loadavg().map((l) => l.toFixed(2)).join(', '),
  };
}

// ---------------------------------------------------------------- the three parts

async function generation(): Promise<GenerationRow[] | undefined> {
  if (!existsSync(join(ROOT, 'dist', 'brokerplate.mjs'))) {
    log('dist/ is missing (npm run build): skipping the generation benchmark');
    return undefined;
  }
  const file = join(work, 'generation.json');
  log(`generation: ${options.generationRounds} rounds`);
  process.stderr.write(await runCommand(process.execPath, [join(ROOT, 'bench', 'generation.mjs'), String(options.generationRounds), '--json', file], ROOT));
  return (JSON.parse(readFileSync(file, 'utf8')) as { rows: GenerationRow[] }).rows;
}

/** Deletes what the bench stack's channels left on the brokers (its queues keep their type from the first run, its stream its entries). */
async function cleanChannels(vars: Record<string, string>): Promise<void> {
  if (only.includes('redis') && vars.REDIS_URL) spawnSync('redis-cli', ['-u', vars.REDIS_URL, 'del', ...BENCH_NAMES.redisKeys], { encoding: 'utf8' });
  if (only.includes('rabbitmq') && vars.RABBITMQ_URL) {
    const url = new URL(vars.RABBITMQ_URL);
    const management = vars.RABBITMQ_MANAGEMENT_URL ?? `http://${url.hostname}:15672`;
    const headers = { authorization: `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` };
    const vhost = encodeURIComponent(decodeURIComponent(url.pathname.slice(1)) || '/');
    for (const queue of BENCH_NAMES.rabbitQueues) await fetch(`${management}/api/queues/${vhost}/${encodeURIComponent(queue)}`, { method: 'DELETE', headers }).catch(() => undefined);
    for (const exchange of BENCH_NAMES.rabbitExchanges) await fetch(`${management}/api/exchanges/${vhost}/${encodeURIComponent(exchange)}`, { method: 'DELETE', headers }).catch(() => undefined);
  }
  if (only.includes('kafka') && vars.KAFKA_BROKERS) await brokersCli(['kafka-run', 'TopicCommand', '--bootstrap-server', vars.KAFKA_BROKERS, '--delete', '--if-exists', '--topic', BENCH_NAMES.kafkaTopicsRegex]);
}

async function clients(vars: Record<string, string>): Promise<ClientRow[]> {
  await cleanChannels(vars);
  const root = await generateProject('bench', benchSpec());
  const file = join(work, 'clients.json');
  const argv = ['run', '-s', 'bench', '--', '--only', only.join(','), '--json', file];
  argv.push(...(smoke ? ['--smoke'] : ['--rounds', String(options.rounds), '--seconds', String(options.seconds), '--latency', String(options.latencyMessages), '--sizes', options.sizes.join(',')]));
  log(`clients: ${root}: npm ${argv.join(' ')}`);
  const table = await runCommand('npm', argv, root, { REDIS_URL: vars.REDIS_URL ?? '', RABBITMQ_URL: vars.RABBITMQ_URL ?? '', KAFKA_BROKERS: vars.KAFKA_BROKERS ?? '' });
  process.stderr.write(`${table}\n`);
  rmSync(root, { recursive: true, force: true });
  await cleanChannels(vars);
  return (JSON.parse(readFileSync(file, 'utf8')) as { results: ClientRow[] }).results;
}

const TOOL_TOPIC = 'bench-perf-tool';

async function kafkaTool(vars: Record<string, string>, rows: readonly ClientRow[]): Promise<ToolRow[]> {
  const bootstrap = vars.KAFKA_BROKERS ?? '';
  const kafkaRun = (argv: readonly string[]) => brokersCli(['kafka-run', ...argv]);
  await kafkaRun(['TopicCommand', '--bootstrap-server', bootstrap, '--delete', '--topic', TOOL_TOPIC]);
  // The partitions of the bench topics (the dev profile's), so both sides spread records alike.
  const partitions = String(benchSpec().brokers.kafka?.dev.partitions ?? 3);
  const created = await kafkaRun(['TopicCommand', '--bootstrap-server', bootstrap, '--create', '--topic', TOOL_TOPIC, '--partitions', partitions, '--replication-factor', '1']);
  if (created.code !== 0) throw new Error(`creating ${TOOL_TOPIC} failed:\n${created.stderr}`);
  const result: ToolRow[] = [];
  try {
    for (const acks of ['all', '1']) {
      for (const size of options.sizes) {
        const records = smoke ? 2_000 : size >= 1000 ? 200_000 : 500_000;
        const runs: number[] = [];
        for (let i = 0; i < toolRuns; i++) {
          const r = await kafkaRun(['ProducerPerformance', '--topic', TOOL_TOPIC, '--num-records', String(records), '--record-size', String(size), '--throughput', '-1', '--command-property', `bootstrap.servers=${bootstrap}`, `acks=${acks}`]);
          const summary = r.stdout.trim().split('\n').pop() ?? '';
          const perSecond = /records sent, ([\d.]+) records\/sec/.exec(summary)?.[1];
          if (r.code !== 0 || perSecond === undefined) throw new Error(`ProducerPerformance failed:\n${r.stdout}\n${r.stderr}`);
          runs.push(Number(perSecond));
          log(`ProducerPerformance acks=${acks} ${size} B: ${summary}`);
        }
        const sorted = [...runs].sort((a, b) => a - b);
        const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
        const node = rows.find((row) => row.broker === 'kafka' && row.payloadBytes === size && (acks === 'all' ? row.durable : !row.durable));
        result.push({ acks, recordSize: size, records, runs, median, ...(node && { raw: node.raw.produce, generated: node.generated.produce }) });
      }
    }
  } finally {
    await kafkaRun(['TopicCommand', '--bootstrap-server', bootstrap, '--delete', '--topic', TOOL_TOPIC]);
  }
  return result;
}

/** redis-benchmark with the wire message of part 2's rows: PUBLISH (no subscriber) and XADD with MAXLEN ~. */
function redisServer(vars: Record<string, string>, rows: readonly ClientRow[]): ServerRow[] {
  const url = new URL(vars.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const connection = ['-h', url.hostname, '-p', url.port || '6379', ...(url.password ? ['-a', decodeURIComponent(url.password)] : [])];
  const result: ServerRow[] = [];
  for (const size of options.sizes) {
    const row = (system: string) => rows.find((r) => r.system === system && r.payloadBytes === size);
    const message = 'x'.repeat(row('Redis Pub/Sub')?.wireBytes ?? size);
    const requests = smoke ? 10_000 : 1_000_000;
    const commands: [string, string[], ClientRow | undefined][] = [
      ['PUBLISH', ['publish', 'bench-server-reach', message], row('Redis Pub/Sub')],
      ['XADD MAXLEN ~ 100000', ['xadd', 'bench-server-reach:stream', 'MAXLEN', '~', '100000', '*', 'envelope', message], row('Redis Streams')],
    ];
    for (const [command, argv, node] of commands) {
      const r = spawnSync('redis-benchmark', [...connection, '-P', '32', '-n', String(requests), '--csv', ...argv], { encoding: 'utf8' });
      const perSecond = Number(/^"[^"]*","([\d.]+)"/m.exec(r.stdout ?? '')?.[1]);
      if (r.status !== 0 || !Number.isFinite(perSecond)) {
        log(`redis-benchmark ${command} failed: ${r.stderr ?? ''}${r.error?.message ?? ''}`);
        continue;
      }
      log(`redis-benchmark ${command} ${message.length} B: ${Math.round(perSecond)} requests/s`);
      result.push({ command, pipeline: 32, messageBytes: message.length, requests, perSecond, ...(node && { generated: node.generated.produce, raw: node.raw.produce }) });
    }
  }
  spawnSync('redis-cli', [...connection, 'del', 'bench-server-reach:stream'], { encoding: 'utf8' });
  return result;
}

// ---------------------------------------------------------------- main

try {
  const load = machine({}).load;
  const generationRows = await generation();
  const vars = await brokers(only);
  const versions = await brokerVersions(vars);
  const rows = await clients(vars);
  const tool = only.includes('kafka') ? await kafkaTool(vars, rows) : [];
  const redisReach = only.includes('redis') ? redisServer(vars, rows) : [];
  const report: Report = {
    machine: { ...machine(versions), load },
    commands: [
      'npm run bench          # = npm run build && node bench/index.ts; runs, in order:',
      `node bench/generation.mjs ${options.generationRounds}`,
      `node scripts/brokers/brokers.mjs up ${only.join(' ')}   # those not running yet; stopped again at the end`,
      `cd test/.work/clients/bench-<pid> && npm run bench -- --only ${only.join(',')} --rounds ${options.rounds} --seconds ${options.seconds} --latency ${options.latencyMessages} --sizes ${options.sizes.join(',')}`,
      ...(tool.length > 0
        ? [`node scripts/brokers/brokers.mjs kafka-run ProducerPerformance --topic ${TOOL_TOPIC} --num-records <500000 | 200000 for 1 KB> --record-size <100 | 1024> --throughput -1 --command-property bootstrap.servers=$KAFKA_BROKERS acks=<all | 1>   # ${toolRuns} runs each`]
        : []),
      ...(redisReach.length > 0 ? ['redis-benchmark -h <host> -p <port> -P 32 -n 1000000 --csv publish|xadd … <message of the wire size>   # once per command and size'] : []),
    ],
    options,
    ...(generationRows && { generation: generationRows }),
    clients: rows,
    tool,
    redisServer: redisReach,
    wallSeconds: (Date.now() - started) / 1000,
  };
  if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(report, null, 2)}\n`);
  const markdown = renderReport({ ...report, ...notes() });
  if (out) {
    writeFileSync(out, markdown);
    log(`wrote ${out}`);
  } else {
    process.stdout.write(markdown);
  }
} finally {
  await stopStarted();
  rmSync(work, { recursive: true, force: true });
}
