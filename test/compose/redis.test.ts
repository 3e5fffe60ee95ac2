/**
 * A real redis-server 8 (Debian 13's 8.0.2 in the root of scripts/tools, run with chroot; the
 * compose file runs the redis 8 image) loads the generated redis.conf, and the generated entrypoint
 * renders the ACL file and the runtime config from the same environment compose passes it. Adapted
 * for the test only: bind/port/dir/aclfile paths and, for cluster announcements, the host names
 * (containers resolve redis-1; here everything is 127.0.0.1). Sentinel mode (roles decided at start
 * by the Sentinels, failover) runs as a whole in test/clusters/redis.test.ts.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tlsMaterial } from '../../generators/emit/tls-files.ts';
import { x509Issuer } from '../../generators/emit/tls-issuer.ts';
import { TLS_DIR } from '../../generators/emit/tls-model.ts';
import { caName, composeCertificates } from '../../generators/emit/tls.ts';
import type { StackSpec } from '../../generators/stack/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/cli.ts';
import { launch, launchInRoot, remapLines, waitFor, writeFile, type Launched } from '../support/launch.ts';
import { pairs, Resp, RespError } from '../support/resp.ts';
import { composeOutput, envFor, fileOf, specFor } from '../support/stack.ts';

// Below the ephemeral port range (32768+), so an outgoing connection of another process never holds one.
const PORTS = { queue: 27391, cache: 27392, cluster: 27396 } as const;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const PASSWORDS = ['REDIS_PASSWORD', 'REDIS_ADMIN_PASSWORD', 'REDIS_MONITOR_PASSWORD', 'REDIS_REPLICA_PASSWORD', 'REDIS_SENTINEL_PASSWORD', 'REDIS_BACKUP_PASSWORD'] as const;

const started: Launched[] = [];
const dirs: string[] = [];
const clients: Resp[] = [];

interface Node {
  port: number;
  /** prod: the CA the node's certificate comes from (connect over TLS). */
  ca?: Buffer;
  runDir: string;
  dataDir: string;
  env: Record<string, string>;
}

/** Writes the generated files for one node, remaps its paths/ports, and starts it through the generated entrypoint. */
async function startDataNode(files: ReadonlyMap<string, string>, env: Record<string, string>, node: string, port: number, extra: Record<string, string> = {}, tlsDir?: string): Promise<Node> {
  const dir = tempDir('bp-redis-');
  dirs.push(dir);
  // prod: TLS only; the certificate paths point at the material a prod run issues.
  const listener: Record<string, string> = tlsDir
    ? { 'tls-port': String(port), 'tls-cert-file': join(tlsDir, `${node}.crt`), 'tls-key-file': join(tlsDir, `${node}.key`), 'tls-ca-cert-file': join(tlsDir, 'ca.crt') }
    : { port: String(port) };
  const ca = tlsDir ? readFileSync(join(tlsDir, 'ca.crt')) : undefined;
  const confDir = join(dir, 'conf');
  const runDir = join(dir, 'run');
  const dataDir = join(dir, 'data');
  writeFile(join(confDir, 'users.acl.template'), fileOf(files, 'config/redis/users.acl.template'));
  writeFile(join(confDir, 'entrypoint.sh'), fileOf(files, 'config/redis/entrypoint.sh'));
  const generated = fileOf(files, `config/redis/${node}.conf`);
  const conf = remapLines(
    generated,
    {
      bind: '127.0.0.1',
      ...listener,
      dir: dataDir,
      aclfile: join(runDir, 'users.acl'),
      ...extra,
    },
    ' ',
  );
  writeFile(join(confDir, 'redis.conf'), conf);
  writeFile(join(dataDir, '.keep'), '');
  const nodeEnv = Object.fromEntries(PASSWORDS.map((k) => [k, env[k] ?? '']));
  // As compose mounts its secrets: one file per password under /run/secrets, named after the variable in lower case.
  const secrets = join(dir, 'secrets');
  for (const [k, v] of Object.entries(nodeEnv)) writeFile(join(secrets, k.toLowerCase()), v, 0o400);
  const proc = launchInRoot(`redis ${node}`, ['sh', join(confDir, 'entrypoint.sh'), 'redis-server', join(runDir, 'redis.conf')], {
    env: { PATH: process.env.PATH, BROKERPLATE_CONF_DIR: confDir, BROKERPLATE_RUN_DIR: runDir, BROKERPLATE_SECRETS_DIR: secrets },
    logFile: join(dir, 'redis.log'),
  });
  started.push(proc);
  const ping = async () => {
    const c = ca ? await Resp.connectTls(port, '127.0.0.1', { ca }) : await Resp.connect(port);
    try {
      return await c.call('PING');
    } finally {
      c.close();
    }
  };
  await waitFor(`redis ${node} on ${port}`, async () => (await ping()) instanceof RespError, { timeoutMs: 30_000, process: proc, intervalMs: 50 });
  return { port, runDir, dataDir, env: nodeEnv, ...(ca && { ca }) };
}

async function session(port: number | Node, user?: string, password?: string): Promise<Resp> {
  const c = typeof port === 'number' ? await Resp.connect(port) : port.ca ? await Resp.connectTls(port.port, '127.0.0.1', { ca: port.ca }) : await Resp.connect(port.port);
  clients.push(c);
  if (user) {
    const ok = await c.call('AUTH', user, password ?? '');
    if (ok !== 'OK') throw new Error(`AUTH ${user}: ${String(ok)}`);
  }
  return c;
}

/** The certificates a prod run issues for `spec`, flat in `into` (`<node>.crt`, `<node>.key`, `ca.crt`). */
async function issueInto(spec: StackSpec, into: string): Promise<void> {
  const m = await tlsMaterial({ requests: composeCertificates(spec), caName: caName(spec), read: () => undefined, rotate: 'none', now: new Date(), loadIssuer: x509Issuer });
  for (const f of m.files) writeFile(join(into, f.path.slice(TLS_DIR.length + 1)), f.contents, f.mode);
}

async function call(port: number, ...args: string[]) {
  const c = await Resp.connect(port);
  try {
    return await c.call(...args);
  } finally {
    c.close();
  }
}

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(started.map((p) => p.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('redis role queue (queue-and-cache, dev)', () => {
  const spec = specFor('queue-and-cache', 'dev');
  const files = composeOutput(spec);
  const env = envFor(spec);
  let node: Node;

  beforeAll(async () => {
    node = await startDataNode(files, env, 'redis', PORTS.queue);
  });

  it('persists every write to the AOF and never evicts', async () => {
    const admin = await session(node.port, 'admin', env.REDIS_ADMIN_PASSWORD);
    const config = pairs(await admin.call('CONFIG', 'GET', '*'));
    expect(config).toMatchObject({
      appendonly: 'yes',
      appendfsync: 'everysec',
      'maxmemory-policy': 'noeviction',
      maxmemory: String(384 * 1024 * 1024),
      save: '3600 1 300 100 60 10000',
      'protected-mode': 'yes',
      aclfile: join(node.runDir, 'users.acl'),
    });
  });

  it('the default user cannot run anything', async () => {
    expect(String(await call(node.port, 'PING'))).toMatch(/^NOAUTH/);
    expect(String(await call(node.port, 'GET', 'k'))).toMatch(/^NOAUTH/);
    expect(String(await call(node.port, 'AUTH', 'default', ''))).toMatch(/WRONGPASS|disabled/);
    const admin = await session(node.port, 'admin', env.REDIS_ADMIN_PASSWORD);
    const user = await admin.call('ACL', 'GETUSER', 'default');
    const flags = (user as string[])[1] as unknown as string[];
    expect(flags).toContain('off');
    expect(flags).not.toContain('nopass');
  });

  it('the app user works with streams and pub/sub but cannot administer the server', async () => {
    const app = await session(node.port, 'app', env.REDIS_PASSWORD);
    expect(await app.call('XADD', 'orders', '*', 'orderId', '1')).toMatch(/^\d+-\d+$/);
    expect(await app.call('XGROUP', 'CREATE', 'orders', 'order-processors', '0')).toBe('OK');
    expect(await app.call('PUBLISH', 'cache:invalidate', 'user:1')).toBe(0);
    expect(await app.call('SET', 'k', 'v')).toBe('OK');
    for (const cmd of [['CONFIG', 'GET', 'maxmemory'], ['FLUSHALL'], ['KEYS', '*'], ['ACL', 'LIST'], ['SHUTDOWN'], ['FUNCTION', 'FLUSH'], ['SCRIPT', 'FLUSH'], ['EVAL', 'return 1', '0']]) {
      expect(String(await app.call(...cmd)), cmd.join(' ')).toMatch(/^NOPERM/);
    }
    expect(String(await call(node.port, 'AUTH', 'app', `${env.REDIS_PASSWORD}x`))).toMatch(/^WRONGPASS/);
  });

  it('the monitor user (the exporter) reads server and stream metadata (XINFO), no CONFIG, no GET/XRANGE, no writes, no administration', async () => {
    const app = await session(node.port, 'app', env.REDIS_PASSWORD);
    await app.call('XADD', 'monitored', '*', 'f', 'v');
    await app.call('SET', 'secret-value', 'v');
    const monitor = await session(node.port, 'monitor', env.REDIS_MONITOR_PASSWORD);
    expect(String(await monitor.call('INFO', 'memory'))).toContain('used_memory:');
    expect(String(await monitor.call('INFO', 'memory'))).toMatch(/^maxmemory:\d+/m);
    expect(await monitor.call('TYPE', 'monitored')).toBe('stream');
    expect(await monitor.call('XLEN', 'monitored')).toBe(1);
    for (const cmd of [['GET', 'secret-value'], ['XRANGE', 'monitored', '-', '+'], ['SET', 'k', 'v'], ['XADD', 'monitored', '*', 'f', 'v'], ['CONFIG', 'GET', 'masterauth'], ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'SET', 'maxmemory', '1'], ['CLIENT', 'KILL', 'TYPE', 'normal'], ['FLUSHALL'], ['ACL', 'LIST'], ['PUBLISH', 'c', 'm']]) {
      expect(String(await monitor.call(...cmd)), cmd.join(' ')).toMatch(/^NOPERM/);
    }
  });

  it('holds only SHA-256 hashes of the .env passwords, in a private runtime directory', async () => {
    const acl = readFileSync(join(node.runDir, 'users.acl'), 'utf8');
    expect(acl).not.toContain(env.REDIS_PASSWORD);
    expect(acl).not.toContain(env.REDIS_ADMIN_PASSWORD);
    expect(acl).toContain(`#${sha256(env.REDIS_PASSWORD ?? '')}`);
    expect(statSync(node.runDir).mode & 0o077).toBe(0);
    expect(statSync(join(node.runDir, 'users.acl')).mode & 0o077).toBe(0);
    const admin = await session(node.port, 'admin', env.REDIS_ADMIN_PASSWORD);
    const app = (await admin.call('ACL', 'GETUSER', 'app')) as unknown[];
    expect(app[app.indexOf('passwords') + 1]).toEqual([sha256(env.REDIS_PASSWORD ?? '')]);
  });

  it('the entrypoint refuses to start without the password files', async () => {
    const dir = tempDir('bp-redis-');
    dirs.push(dir);
    writeFile(join(dir, 'entrypoint.sh'), fileOf(files, 'config/redis/entrypoint.sh'));
    const proc = launch('redis no-env', 'sh', [join(dir, 'entrypoint.sh'), 'true'], {
      env: { PATH: process.env.PATH, REDIS_PASSWORD: env.REDIS_PASSWORD, BROKERPLATE_CONF_DIR: dir, BROKERPLATE_RUN_DIR: join(dir, 'run'), BROKERPLATE_SECRETS_DIR: join(dir, 'no-secrets') },
      logFile: join(dir, 'out.log'),
    });
    await waitFor('entrypoint exits', async () => proc.exited(), { timeoutMs: 5_000 });
    // A password in the environment is not read: only the files count.
    expect(proc.tail()).toMatch(/no-secrets\/redis_password must be set/);
  });
});

describe('redis role cache (realtime-notifications, dev)', () => {
  const spec = specFor('realtime-notifications', 'dev');
  const files = composeOutput(spec);
  const env = envFor(spec);

  it('evicts with LRU and snapshots with RDB only, as the spec says', async () => {
    expect(spec.brokers.redis).toMatchObject({ role: 'cache', persistence: 'rdb', evictionPolicy: 'allkeys-lru' });
    const node = await startDataNode(files, env, 'redis', PORTS.cache);
    const admin = await session(node.port, 'admin', env.REDIS_ADMIN_PASSWORD);
    expect(pairs(await admin.call('CONFIG', 'GET', '*'))).toMatchObject({
      appendonly: 'no',
      'maxmemory-policy': 'allkeys-lru',
      save: '3600 1 300 100 60 10000',
    });
    const app = await session(node.port, 'app', env.REDIS_PASSWORD);
    expect(await app.call('PUBLISH', 'notifications', '{}')).toBe(0);
  });
});

describe('redis prod, sentinel mode (queue-and-cache, prod): the generated files', () => {
  const spec = specFor('queue-and-cache', 'prod');
  const files = composeOutput(spec);

  it('carries the durable settings on every data node, and no node names its role or holds a password', () => {
    for (const node of ['redis-1', 'redis-2', 'redis-3']) {
      const conf = fileOf(files, `config/redis/${node}.conf`);
      expect(conf).toMatch(/^appendonly yes$/m);
      expect(conf).toMatch(/^maxmemory-policy noeviction$/m);
      expect(conf).toMatch(/^min-replicas-to-write 1$/m);
      expect(conf).toMatch(/^masteruser replica$/m);
      expect(conf).not.toMatch(/^(replicaof|slaveof|masterauth|include) /m);
    }
  });

  it('the entrypoints render what Redis and Sentinel rewrite into memory (/run/redis), and the state Sentinel keeps in its volume has no password', () => {
    const entrypoint = fileOf(files, 'config/redis/entrypoint.sh');
    expect(entrypoint).toContain("SENTINELS='redis-sentinel-1:26379 redis-sentinel-2:26379 redis-sentinel-3:26379'");
    expect(entrypoint).toMatch(/> "\$RUN_DIR\/redis\.conf"$/m);
    const reconfig = fileOf(files, 'config/redis/sentinel-reconfig.sh');
    const kept = /\^sentinel \(([a-z|-]+)\) /.exec(reconfig)?.[1]?.split('|') ?? [];
    expect(kept).toEqual(['myid', 'monitor', 'config-epoch', 'leader-epoch', 'current-epoch', 'known-replica', 'known-sentinel']);
    expect(fileOf(files, 'config/redis/sentinel-entrypoint.sh')).toMatch(/> "\$RUN_DIR\/sentinel\.conf"$/m);
  });
});

describe('redis cluster mode (when the spec asks for it)', () => {
  it('a cluster node loads its generated redis.conf with cluster mode, ACL and persistence', async () => {
    const spec = specFor('queue-and-cache', 'prod', {
      edit: (raw) => {
        const r = raw.brokers.redis;
        if (r) r.prod = { ...r.prod, mode: 'cluster', shards: 3, replicas: 1, sentinels: 0 };
      },
    });
    const files = composeOutput(spec);
    const env = envFor(spec);
    const tlsDir = join(tempDir('bp-redis-tls-'), 'tls');
    dirs.push(dirname(tlsDir));
    await issueInto(spec, tlsDir);
    const node = await startDataNode(files, env, 'redis-1', PORTS.cluster, { 'cluster-announce-hostname': 'localhost' }, tlsDir);
    const admin = await session(node, 'admin', env.REDIS_ADMIN_PASSWORD);
    expect(String(await admin.call('INFO', 'cluster'))).toContain('cluster_enabled:1');
    // The cluster bus and replication over TLS too.
    expect(pairs(await admin.call('CONFIG', 'GET', 'tls-cluster'))).toEqual({ 'tls-cluster': 'yes' });
    expect(pairs(await admin.call('CONFIG', 'GET', 'port'))).toEqual({ port: '0' });
    // No slots yet: redis-cluster-init (redis-cli --cluster create) assigns them once all six nodes are up.
    expect(String(await admin.call('CLUSTER', 'INFO'))).toContain('cluster_slots_assigned:0');
    expect(pairs(await admin.call('CONFIG', 'GET', 'cluster-preferred-endpoint-type'))).toEqual({ 'cluster-preferred-endpoint-type': 'hostname' });
  });
});
