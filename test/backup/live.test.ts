/**
 * The generated backup and restore scripts run against real brokers (scripts/brokers/brokers.mjs,
 * own state dir and ports), and every restore path is exercised:
 * - Redis: backup.sh streams an RDB; restore.sh puts it into a fresh data dir; a new redis-server
 *   started the way the stack runs it (AOF on or off) has the data.
 * - RabbitMQ: the stack's definitions (from the config area) exported by backup.sh, imported by
 *   restore.sh into a fresh vhost and compared; standby.sh federates a vhost standing in for the
 *   standby broker, and a message published on the primary arrives there too.
 * - Kafka: backup.sh exports topics, configs and offsets (Kafka's tools on the cached jars);
 *   restore-offsets.sh puts a consumer group back after it moved.
 * Every backup reports to a real Pushgateway (the pinned build of scripts/tools). Redis and
 * RabbitMQ are Debian 13's (Redis 8, RabbitMQ 4); the Redis scripts run inside that root, as they
 * run in the redis image.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rabbitDefinitions } from '../../generators/brokers/rabbitmq/config.ts';
import { federatedExchanges } from '../../generators/brokers/rabbitmq/backup.ts';
import { backupFiles } from '../../generators/emit/backup.ts';
import { BACKUP_METRIC } from '../../generators/emit/monitoring-model.ts';
import { channelsOf, settingsOf, type StackSpec } from '../../generators/stack/index.ts';
import { tempDir } from '../support/cli.ts';
import { httpText, kafkaBinShims, kafkaShimEnv, kafkaTool, LIVE_CASES, OPS_BROKERS as b, opsBrokers, opsSpec, Proc, redisCliPath, rootProc, rootTool, sleep, tearDown, tool, waitFor, writeFiles } from '../support/ops.ts';
import { toolPath } from '../support/tools.ts';

// Below the ephemeral port range (32768+), so an outgoing connection of another process never holds one.
const BASE = 26300;
const PUSHGATEWAY = BASE + 20;
const work = tempDir('brokerplate-backup-live-');
const procs: Proc[] = [];
const pushgateway = `http://127.0.0.1:${PUSHGATEWAY}`;
/**
 * The brokers are shared with the monitoring suite (test/support/ops.ts), which seeds the stack's
 * own vhost and the topic `events`: here every stack gets a vhost of its own and the Kafka topic
 * another name, so neither suite sees the other's data.
 */
function ownNames(scenario: string) {
  return (raw: StackSpec) => {
    if (raw.brokers.rabbitmq) raw.brokers.rabbitmq.vhost = `backup-${scenario}`;
    const topic = raw.channels.find((c) => c.broker === 'kafka');
    if (topic) topic.name = `backup-${topic.name}`;
  };
}
const cases = LIVE_CASES.map((c) => ({ ...c, spec: opsSpec(c.scenario, c.profile, ownNames(c.scenario)) }));
const withBroker = (broker: 'kafka' | 'rabbitmq' | 'redis') => cases.filter((c) => c.spec.brokers[broker] !== undefined);

function emit(spec: StackSpec, name: string): string {
  const dir = join(work, name);
  writeFiles(dir, backupFiles(spec));
  return dir;
}

/** The pushed success timestamp of a backup, from the Pushgateway's own /metrics. */
async function pushedAt(broker: string, backup: string): Promise<number | undefined> {
  const text = (await httpText(`${pushgateway}/metrics`)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${BACKUP_METRIC}{`) && l.includes(`broker="${broker}"`) && l.includes(`backup="${backup}"`));
  return line ? Number(line.split(' ').pop()) : undefined;
}

beforeAll(async () => {
  const p = new Proc('pushgateway', toolPath('pushgateway'), [`--web.listen-address=127.0.0.1:${PUSHGATEWAY}`], { log: join(work, 'pushgateway.log') });
  procs.push(p);
  await opsBrokers();
  // The test RabbitMQ node also stands in for the standby broker, which needs the federation plugin.
  const plugins = tool(join(b.state, 'bin', 'rabbitmq-plugins'), ['enable', 'rabbitmq_federation', 'rabbitmq_federation_management']);
  expect(plugins.status, plugins.out).toBe(0);
  await waitFor('management API after enabling plugins', async () => ((await rabbit<unknown[]>('GET', '/federation-links')) ? true : undefined));
  // Redis waits repl-diskless-sync-delay (5s) for more replicas before every `redis-cli --rdb`; not here.
  cli(b.redisPort, 'CONFIG', 'SET', 'repl-diskless-sync-delay', '0');
  await waitFor('pushgateway', async () => ((await httpText(`${pushgateway}/-/ready`)).status === 200 ? true : undefined));
}, 300_000);

afterAll(() => tearDown(procs, work));

// ---------------------------------------------------------------- Redis

function cli(port: number, ...args: string[]): string {
  const r = tool(redisCliPath(b), ['-p', String(port), '--no-auth-warning', ...(port === b.redisPort ? ['-a', b.redisPassword] : []), ...args]);
  if (r.status !== 0) throw new Error(r.out);
  return r.out.trim();
}

describe.each(withBroker('redis'))('Redis backup and restore: $scenario ($profile)', ({ scenario, spec }) => {
  const appendonly = ['aof', 'rdb+aof'].includes(settingsOf(spec, 'redis').persistence) ? 'yes' : 'no';

  it(`backs up an RDB, keeps ${2} copies, reports to the Pushgateway, and a new redis-server (appendonly ${appendonly}) starts from the restore with the data`, async () => {
    const dir = emit(spec, `redis-${scenario}`);
    const backups = join(work, `redis-${scenario}-backups`);
    const key = `restore-check:${scenario}`;
    cli(b.redisPort, 'SET', key, 'before-backup');
    cli(b.redisPort, 'XADD', `${key}:stream`, '*', 'n', '1');
    // The password as compose and Kubernetes deliver it: a file named by REDIS_PASSWORD_FILE.
    const passwordFile = join(work, `redis-${scenario}-password`);
    writeFileSync(passwordFile, b.redisPassword, { mode: 0o600 });
    const env = { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(b.redisPort), REDIS_USER: 'default', REDIS_PASSWORD_FILE: passwordFile, BACKUP_DIR: backups, BACKUP_KEEP: '2', PUSHGATEWAY_URL: pushgateway };
    const t0 = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 3; i++) {
      if (i > 0) await sleep(1100); // backups are named by the second
      const r = rootTool(['bash', join(dir, 'backup/redis/backup.sh')], { env });
      expect(r.status, r.out).toBe(0);
    }
    const files = readdirSync(backups).filter((f) => f.endsWith('.rdb')).sort();
    expect(files).toHaveLength(2);
    expect(await pushedAt('redis', 'rdb')).toBeGreaterThanOrEqual(t0);
    cli(b.redisPort, 'SET', key, 'after-backup'); // must not be in the restore

    const data = join(work, `redis-${scenario}-restored`);
    mkdirSync(data, { recursive: true });
    const restore = rootTool(['bash', join(dir, 'backup/redis/restore.sh'), join(backups, files[1] ?? ''), data]);
    expect(restore.status, restore.out).toBe(0);
    expect(existsSync(join(data, 'appendonlydir'))).toBe(appendonly === 'yes');

    const port = BASE + 30;
    const server = rootProc('redis-restored', ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--dir', data, '--appendonly', appendonly, '--save', ''], { log: join(work, `redis-${scenario}-restored.log`) });
    procs.push(server);
    try {
      await waitFor('restored redis', async () => (cli(port, 'PING') === 'PONG' ? true : undefined));
      expect(cli(port, 'GET', key)).toBe('before-backup');
      expect(cli(port, 'XLEN', `${key}:stream`)).toBe('1');
      expect(cli(port, 'INFO', 'persistence')).toContain(`aof_enabled:${appendonly === 'yes' ? 1 : 0}`);
    } finally {
      await server.stop();
    }
  });
});

it('control: with AOF on, a dump.rdb copied in without restore.sh is ignored (why restore.sh rebuilds the AOF)', async () => {
  const data = join(work, 'redis-naive');
  mkdirSync(data, { recursive: true });
  cli(b.redisPort, 'SET', 'naive', '1');
  expect(tool(redisCliPath(b), ['-p', String(b.redisPort), '--no-auth-warning', '-a', b.redisPassword, '--rdb', join(data, 'dump.rdb')]).status).toBe(0);
  const port = BASE + 31;
  const server = rootProc('redis-naive', ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--dir', data, '--appendonly', 'yes'], { log: join(work, 'redis-naive.log') });
  procs.push(server);
  try {
    await waitFor('naive redis', async () => (cli(port, 'PING') === 'PONG' ? true : undefined));
    expect(cli(port, 'DBSIZE')).toBe('0');
  } finally {
    await server.stop();
  }
});

// ---------------------------------------------------------------- RabbitMQ

const AUTH = `Basic ${Buffer.from('brokerplate:brokerplate-test').toString('base64')}`;
async function rabbit<T = unknown>(method: string, path: string, body?: unknown, okStatuses: number[] = []): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${b.rabbitMgmt}/api${path}`, {
    method,
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok && !okStatuses.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface Queue { name: string; durable: boolean; arguments: Record<string, unknown>; messages?: number }
interface Exchange { name: string; type: string; durable: boolean; arguments: Record<string, unknown> }
interface Binding { source: string; destination: string; routing_key: string; arguments: Record<string, unknown> }
interface Policy { name: string; pattern: string; definition: Record<string, unknown>; 'apply-to': string }

async function topologyOf(vhost: string) {
  const v = encodeURIComponent(vhost);
  const queues = (await rabbit<Queue[]>('GET', `/queues/${v}`)).map((q) => ({ name: q.name, durable: q.durable, arguments: q.arguments })).sort((a, b2) => a.name.localeCompare(b2.name));
  const exchanges = (await rabbit<Exchange[]>('GET', `/exchanges/${v}`)).filter((e) => e.name !== '' && !e.name.startsWith('amq.')).map((e) => ({ name: e.name, type: e.type, durable: e.durable, arguments: e.arguments })).sort((a, b2) => a.name.localeCompare(b2.name));
  const bindings = (await rabbit<Binding[]>('GET', `/bindings/${v}`)).filter((x) => x.source !== '').map((x) => ({ source: x.source, destination: x.destination, routing_key: x.routing_key, arguments: x.arguments })).sort((a, b2) => JSON.stringify(a).localeCompare(JSON.stringify(b2)));
  const policies = (await rabbit<Policy[]>('GET', `/policies/${v}`)).map((p) => ({ name: p.name, pattern: p.pattern, definition: p.definition, applyTo: p['apply-to'] })).sort((a, b2) => a.name.localeCompare(b2.name));
  return { queues, exchanges, bindings, policies };
}

const federatedKinds = new Set<string>();

describe.each(withBroker('rabbitmq'))('RabbitMQ definitions export, restore and standby: $scenario ($profile)', ({ scenario, spec }) => {
  const vhost = settingsOf(spec, 'rabbitmq').vhost;
  const restored = `${vhost}-restored`;
  const standby = `${vhost}-standby`;

  it('exports the stack topology, and restore.sh recreates it identically in a fresh vhost', async () => {
    for (const v of [vhost, restored, standby]) await rabbit('DELETE', `/vhosts/${encodeURIComponent(v)}`, undefined, [404]);
    // The stack's own definitions (what the broker loads at boot), then access for the test user.
    await rabbit('POST', '/definitions', rabbitDefinitions(spec));
    await rabbit('PUT', `/permissions/${encodeURIComponent(vhost)}/brokerplate`, { configure: '.*', write: '.*', read: '.*' });
    const original = await topologyOf(vhost);
    expect(original.queues.length).toBeGreaterThan(0);

    const dir = emit(spec, `rabbitmq-${scenario}`);
    const backups = join(work, `rabbitmq-${scenario}-backups`);
    const env = { RABBITMQ_API: `http://127.0.0.1:${b.rabbitMgmt}`, RABBITMQ_USER: 'brokerplate', RABBITMQ_PASSWORD: 'brokerplate-test', BACKUP_DIR: backups, PUSHGATEWAY_URL: pushgateway };
    const t0 = Math.floor(Date.now() / 1000);
    const r = tool('bash', [join(dir, 'backup/rabbitmq/backup.sh')], { env });
    expect(r.status, r.out).toBe(0);
    expect(await pushedAt('rabbitmq', 'definitions')).toBeGreaterThanOrEqual(t0);
    const [file] = readdirSync(backups).filter((f) => f.endsWith('.json'));
    expect(file).toBeDefined();
    const exported = JSON.parse(readFileSync(join(backups, file ?? ''), 'utf8')) as { queues: { name: string }[]; users?: unknown };
    expect(exported.users).toBeUndefined(); // no password hashes in the backup
    expect(exported.queues.map((q) => q.name).sort()).toEqual(original.queues.map((q) => q.name));

    const restore = tool('bash', [join(dir, 'backup/rabbitmq/restore.sh'), join(backups, file ?? ''), restored], { env });
    expect(restore.status, restore.out).toBe(0);
    expect(await topologyOf(restored)).toEqual(original);
  });

  const exchanges = federatedExchanges(spec);
  const target = channelsOf(spec, 'rabbitmq').find((c) => c.kind === 'queue' && c.exchange !== '' && c.bindings.length > 0);
  // One federation run per kind of exchange the copy goes through (the script is the same otherwise).
  const kind = target?.kind === 'queue' ? target.exchangeType : '';
  if (exchanges.length > 0 && target?.kind === 'queue' && !federatedKinds.has(kind) && federatedKinds.add(kind)) {
    it('standby.sh federates the stack exchanges: a message published on the primary is copied to the standby queue', async () => {
      const dir = join(work, `rabbitmq-${scenario}`);
      const backups = join(work, `rabbitmq-${scenario}-backups`);
      const file = readdirSync(backups).find((f) => f.endsWith('.json')) ?? '';
      const env = { RABBITMQ_API: `http://127.0.0.1:${b.rabbitMgmt}`, RABBITMQ_USER: 'brokerplate', RABBITMQ_PASSWORD: 'brokerplate-test' };
      // A fresh vhost stands in for the standby broker: restored from the export, then federated.
      expect(tool('bash', [join(dir, 'backup/rabbitmq/restore.sh'), join(backups, file), standby], { env }).status).toBe(0);
      await rabbit('PUT', `/permissions/${encodeURIComponent(standby)}/brokerplate`, { configure: '.*', write: '.*', read: '.*' });
      const r = tool('bash', [join(dir, 'backup/rabbitmq/standby.sh')], {
        env: { ...env, RABBITMQ_VHOST: standby, PRIMARY_AMQP_URI: `amqp://brokerplate:brokerplate-test@127.0.0.1:${b.rabbitPort}/${encodeURIComponent(vhost)}` },
      });
      expect(r.status, r.out).toBe(0);
      await waitFor('federation links running', async () => {
        const links = await rabbit<{ status: string; exchange: string }[]>('GET', `/federation-links/${encodeURIComponent(standby)}`);
        return links.length === exchanges.length && links.every((l) => l.status === 'running') ? links : undefined;
      });
      const binding = target.bindings[0];
      await rabbit('POST', `/exchanges/${encodeURIComponent(vhost)}/${encodeURIComponent(target.exchange)}/publish`, {
        properties: binding?.headers ? { headers: binding.headers } : {},
        routing_key: binding?.routingKey ?? '',
        payload: '{"federated":true}',
        payload_encoding: 'string',
      });
      const count = async (v: string) => (await rabbit<Queue>('GET', `/queues/${encodeURIComponent(v)}/${encodeURIComponent(target.name)}`)).messages ?? 0;
      await waitFor('the copy on the standby', async () => ((await count(standby)) >= 1 ? true : undefined));
      await waitFor('the original on the primary', async () => ((await count(vhost)) >= 1 ? true : undefined));
    });
  }
});

// ---------------------------------------------------------------- Kafka

// dev: the shared broker speaks PLAINTEXT. prod's scripts log in over SASL_SSL (as backup, restore as
// admin) and are run against a secured node in test/compose/kafka-backup-security.test.ts.
describe('Kafka metadata backup and offsets restore: hybrid (dev)', () => {
  const spec = opsSpec('hybrid', 'dev', ownNames('hybrid'));
  const topic = channelsOf(spec, 'kafka')[0];

  it('exports topics, configs and committed offsets; restore-offsets.sh puts a group back after it moved', async () => {
    expect(topic).toBeDefined();
    const name = topic?.name ?? '';
    const group = topic?.consumerGroups[0] ?? 'g';
    const kafka = `127.0.0.1:${b.kafkaPort}`;
    expect(kafkaTool(b, 'TopicCommand', ['--bootstrap-server', kafka, '--create', '--topic', name, '--partitions', '2', '--replication-factor', '1', '--config', 'retention.ms=604800000']).status).toBe(0);
    const produced = kafkaTool(b, 'ConsoleProducer', ['--bootstrap-server', kafka, '--topic', name, '--reader-property', 'parse.key=true', '--reader-property', 'key.separator=:'], `${Array.from({ length: 8 }, (_, i) => `k${i}:v${i}`).join('\n')}\n`);
    expect(produced.status, produced.out).toBe(0);
    const group_ = (args: string[]) => kafkaTool(b, 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', ['--bootstrap-server', kafka, '--group', group, ...args]);
    expect(group_(['--topic', name, '--reset-offsets', '--to-offset', '2', '--execute']).status).toBe(0);

    const dir = emit(spec, 'kafka-hybrid');
    const backups = join(work, 'kafka-backups');
    const t0 = Math.floor(Date.now() / 1000);
    const env = { ...kafkaShimEnv(b), KAFKA_BIN: kafkaBinShims(work), KAFKA_BROKERS: kafka, BACKUP_DIR: backups, PUSHGATEWAY_URL: pushgateway };
    const r = tool('bash', [join(dir, 'backup/kafka/backup.sh')], { env, timeoutMs: 120_000 });
    expect(r.status, r.out).toBe(0);
    expect(await pushedAt('kafka', 'metadata')).toBeGreaterThanOrEqual(t0);
    const [snapshot] = readdirSync(backups).filter((f) => f.startsWith('metadata-'));
    const out = join(backups, snapshot ?? '');
    expect(readFileSync(join(out, 'topics.txt'), 'utf8')).toMatch(new RegExp(`Topic: ${name}\\s+TopicId`));
    expect(readFileSync(join(out, 'topic-configs.txt'), 'utf8')).toContain('retention.ms=604800000');
    expect(readFileSync(join(out, 'offsets', `${group}.csv`), 'utf8').trim().split('\n').sort()).toEqual([`${name},0,2`, `${name},1,2`]);

    // The group moves on (to the start); the restore puts it back where the backup saw it.
    expect(group_(['--topic', name, '--reset-offsets', '--to-earliest', '--execute']).status).toBe(0);
    const restore = tool('bash', [join(dir, 'backup/kafka/restore-offsets.sh'), out, group], { env, timeoutMs: 120_000 });
    expect(restore.status, restore.out).toBe(0);
    const described = group_(['--describe', '--offsets']).out.split('\n').filter((l) => l.startsWith(`${group} `)).map((l) => l.trim().split(/\s+/).slice(1, 4).join(','));
    expect(described.sort()).toEqual([`${name},0,2`, `${name},1,2`]);
  }, 240_000); // about ten JVM starts of Kafka's tools
});
