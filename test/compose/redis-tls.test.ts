/**
 * The prod Redis config on the real Redis 8.0.2 (Debian 13 root): TLS only, one ACL user per
 * component, passwords from files. One node of the generated prod files (the spec's Redis as a
 * single prod node, so no Sentinel has to answer first; sentinel mode runs whole, over TLS, in
 * test/clusters/redis.test.ts), started through the generated entrypoint with the TLS material a
 * prod run issues. The harness changes only paths (config, run, data, certificates, secrets
 * folder), the port and the bind address.
 * Proven here: plaintext, no password and a wrong password are refused; the client refuses a
 * certificate for another name or from another CA; the generated client exchanges stream entries
 * and pub/sub messages over TLS; each principal can do its job and nothing of the ACL matrix
 * beyond it (monitor: CONFIG GET masterauth denied); the real redis_exporter scrapes over TLS as
 * monitor with the generated settings and no command of it is denied; a replica replicates over
 * TLS as the replica user; the backup user streams an RDB over TLS.
 * Listens on 127.0.0.1/127.0.0.2:27411-27419 (run it in a network namespace: /work/bin/nsrun <ns> …).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exporterCommand, exporterEnvironment } from '../../generators/brokers/redis/monitoring.ts';
import { redisMonitoring } from '../../generators/brokers/redis/monitoring.ts';
import { tlsMaterial } from '../../generators/emit/tls-files.ts';
import { x509Issuer } from '../../generators/emit/tls-issuer.ts';
import { TLS_DIR } from '../../generators/emit/tls-model.ts';
import { caName, composeCertificates } from '../../generators/emit/tls.ts';
import type { StackSpec } from '../../generators/stack/index.ts';
import { importMessaging, type MessagingModule } from '../clients/api.ts';
import { generateClusterProject, type ClusterProject } from '../clusters/support/project.ts';
import { runCommand, tempDir } from '../support/cli.ts';
import { inDebianRoot } from '../support/tools.ts';
import { launchInRoot, portOpen, remapLines, sleep, waitFor, writeFile, type Launched } from '../support/launch.ts';
import { Resp, RespError, type RespValue } from '../support/resp.ts';
import { parse } from 'yaml';
import { specFor } from '../support/stack.ts';

const PORTS = { primary: 27411, replica: 27412, exporter: 27419 } as const;
const started: Launched[] = [];
const dirs: string[] = [];
const clients: Resp[] = [];

/** queue-and-cache, prod, Redis as one node (TLS and the ACL users as in every prod mode). */
const spec: StackSpec = specFor('queue-and-cache', 'prod', {
  targets: ['compose'],
  edit: (raw) => {
    const r = raw.brokers.redis;
    if (r) r.prod = { ...r.prod, mode: 'standalone', replicas: 0, sentinels: 0 };
  },
});

let project: ClusterProject;
let mod: MessagingModule;
const root = tempDir('bp-redis-tls-');
dirs.push(root);
const tlsDir = join(root, TLS_DIR);
const otherTlsDir = join(root, 'other', TLS_DIR);
const ca = join(tlsDir, 'ca.crt');
let node: string;

async function issue(into: string): Promise<void> {
  const m = await tlsMaterial({ requests: composeCertificates(spec), caName: caName(spec), read: () => undefined, rotate: 'none', now: new Date(), loadIssuer: x509Issuer });
  for (const f of m.files) writeFile(join(into, f.path.slice(TLS_DIR.length + 1)), f.contents, f.mode);
}

const password = (env: string) => project.env[env] ?? '';
const USERS = {
  app: 'REDIS_PASSWORD',
  admin: 'REDIS_ADMIN_PASSWORD',
  monitor: 'REDIS_MONITOR_PASSWORD',
  replica: 'REDIS_REPLICA_PASSWORD',
  sentinel: 'REDIS_SENTINEL_PASSWORD',
  backup: 'REDIS_BACKUP_PASSWORD',
} as const;
type User = keyof typeof USERS;

/** Starts a data node through the generated entrypoint: passwords as files, the generated config with test paths, `extra` lines appended. */
async function startNode(name: string, port: number, bind: string, extra = ''): Promise<Launched> {
  const dir = join(root, name);
  const confDir = join(dir, 'conf');
  const runDir = join(dir, 'run');
  const secrets = join(dir, 'secrets');
  writeFile(join(confDir, 'users.acl.template'), project.read('config/redis/users.acl.template'));
  writeFile(join(confDir, 'entrypoint.sh'), project.read('config/redis/entrypoint.sh'));
  const conf = remapLines(
    project.read(`config/redis/${node}.conf`),
    {
      bind,
      'tls-port': String(port),
      dir: join(dir, 'data'),
      aclfile: join(runDir, 'users.acl'),
      'tls-cert-file': join(tlsDir, `${node}.crt`),
      'tls-key-file': join(tlsDir, `${node}.key`),
      'tls-ca-cert-file': ca,
    },
    ' ',
  );
  writeFile(join(confDir, 'redis.conf'), `${conf}${extra}`);
  writeFile(join(dir, 'data', '.keep'), '');
  // As compose mounts its secrets: one file per password, named after the variable in lower case.
  for (const env of Object.values(USERS)) writeFile(join(secrets, env.toLowerCase()), password(env), 0o400);
  const proc = launchInRoot(`redis ${name}`, ['sh', join(confDir, 'entrypoint.sh'), 'redis-server', join(runDir, 'redis.conf')], {
    env: { PATH: process.env.PATH, BROKERPLATE_CONF_DIR: confDir, BROKERPLATE_RUN_DIR: runDir, BROKERPLATE_SECRETS_DIR: secrets },
    logFile: join(dir, 'redis.log'),
  });
  started.push(proc);
  await waitFor(`redis ${name} on ${port}`, () => portOpen(port, bind.split(' ')[0]), { timeoutMs: 30_000, process: proc, intervalMs: 100 });
  return proc;
}

/** A TLS session (CA and host name verified), authenticated as `user` unless undefined. */
async function session(port: number, user?: User, host = '127.0.0.1'): Promise<Resp> {
  const c = await Resp.connectTls(port, host, { ca: readFileSync(ca) });
  clients.push(c);
  if (user) {
    const ok = await c.call('AUTH', user, password(USERS[user]));
    if (ok !== 'OK') throw new Error(`AUTH ${user}: ${String(ok)}`);
  }
  return c;
}

const denied = (reply: RespValue) => reply instanceof RespError && /^NOPERM/.test(reply.message);

beforeAll(async () => {
  await issue(tlsDir);
  await issue(otherTlsDir);
  project = await generateClusterProject('redis-tls', spec);
  node = composeCertificates(spec).find((r) => r.name.startsWith('redis'))?.name ?? '';
  expect(node).not.toBe('');
  // Reachable on 127.0.0.2 too, an address its certificate does not name.
  await startNode('primary', PORTS.primary, '127.0.0.1 127.0.0.2');
  mod = await importMessaging(project.root);
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(started.map((p) => p.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('redis prod: TLS only, every client authenticated', () => {
  it('the generated config turns the plaintext port off and names the certificates at /etc/brokerplate/tls', () => {
    const conf = project.read(`config/redis/${node}.conf`);
    expect(conf).toMatch(/^port 0$/m);
    expect(conf).toMatch(/^tls-port 6379$/m);
    expect(conf).toMatch(/^tls-cert-file \/etc\/brokerplate\/tls\/tls\.crt$/m);
    expect(conf).toMatch(/^tls-key-file \/etc\/brokerplate\/tls\/tls\.key$/m);
    expect(conf).toMatch(/^tls-ca-cert-file \/etc\/brokerplate\/tls\/ca\.crt$/m);
    expect(conf).toMatch(/^tls-replication yes$/m);
  });

  it('a plaintext client gets no answer: the TLS port closes on it', async () => {
    const outcome = await new Promise<string>((resolve) => {
      let data = '';
      const socket = net.connect({ port: PORTS.primary, host: '127.0.0.1' }, () => socket.write('*1\r\n$4\r\nPING\r\n'));
      socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
      socket.once('close', () => resolve(`closed, got ${JSON.stringify(data)}`));
      // A reset is a close too (Redis drops the connection whose handshake failed).
      socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNRESET' ? `closed (reset), got ${JSON.stringify(data)}` : `error ${e.message}`));
      setTimeout(() => (socket.destroy(), resolve(`open after 5 s, got ${JSON.stringify(data)}`)), 5_000);
    });
    expect(outcome).toMatch(/^closed/);
    expect(outcome).not.toMatch(/PONG|NOAUTH/);
  });

  it('over TLS: no password → NOAUTH; wrong password → WRONGPASS; the default user is off', async () => {
    const c = await session(PORTS.primary);
    expect(String(await c.call('PING'))).toMatch(/^NOAUTH/);
    expect(String(await c.call('AUTH', 'app', `${password('REDIS_PASSWORD')}x`))).toMatch(/^WRONGPASS/);
    expect(String(await c.call('AUTH', 'monitor', password('REDIS_PASSWORD')))).toMatch(/^WRONGPASS/);
    expect(String(await c.call('AUTH', 'default', ''))).toMatch(/^WRONGPASS/);
    expect(await c.call('AUTH', 'app', password('REDIS_PASSWORD'))).toBe('OK');
    expect(await c.call('PING')).toBe('PONG');
  });

  it('the client refuses the node under a name its certificate does not hold, and a CA it was not given', async () => {
    const wrongName = await Resp.connectTls(PORTS.primary, '127.0.0.2', { ca: readFileSync(ca) }).then(
      (c) => (c.close(), 'connected'),
      (e: NodeJS.ErrnoException) => e.code ?? e.message,
    );
    expect(wrongName).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    const otherCa = await Resp.connectTls(PORTS.primary, '127.0.0.1', { ca: readFileSync(join(otherTlsDir, 'ca.crt')) }).then(
      (c) => (c.close(), 'connected'),
      (e: NodeJS.ErrnoException) => e.code ?? e.message,
    );
    expect(otherCa).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
    // The generated client too: its settings from the generated .env, pointed at the wrong name.
    const url = `rediss://app:${password('REDIS_PASSWORD')}@127.0.0.2:${PORTS.primary}/0`;
    const errors: string[] = [];
    const client = new mod.RedisMessaging(mod.redisSettings({ REDIS_URL: url, REDIS_CA_FILE: ca }), { log: (_m, e) => void errors.push(String((e as NodeJS.ErrnoException)?.code ?? e)), deliveryTimeoutMs: 2_000 });
    const outcome = await Promise.race([client.connect().then(() => 'connected'), sleep(3_000).then(() => 'no connection')]);
    await client.close().catch(() => undefined);
    expect(outcome).toBe('no connection');
    expect(errors).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('the generated client (settings from the generated .env) exchanges stream entries and pub/sub messages over TLS', async () => {
    expect(project.env.REDIS_URL).toMatch(/^rediss:\/\/app:/);
    expect(project.env.REDIS_CA_FILE).toBe('secrets/tls/ca.crt');
    const env = { ...project.env, REDIS_URL: project.env.REDIS_URL?.replace(':6379/', `:${PORTS.primary}/`), REDIS_CA_FILE: ca };
    const publisher = new mod.RedisMessaging(mod.redisSettings(env), { log: () => undefined });
    const subscriber = new mod.RedisMessaging(mod.redisSettings(env), { log: () => undefined });
    try {
      const tag = `tls-${Date.now()}`;
      const got: string[] = [];
      const sub = await subscriber.subscribe('cache:invalidate', ({ payload }) => void got.push(String(payload.key)));
      const { receivers } = await publisher.publish('cache:invalidate', { key: tag });
      expect(receivers).toBe(1);
      const seen: string[] = [];
      const consumer = await publisher.consumeStream('orders', { group: `g-${tag}`, handler: ({ envelope }) => void seen.push(envelope.id) });
      for (let i = 0; i < 20; i++) await publisher.append('orders', { orderId: `${tag}-${i}`, customer: 'c', status: 'created' }, { id: `${tag}-${i}` });
      await waitFor('20 entries consumed', async () => seen.filter((id) => id.startsWith(tag)).length === 20 && got.includes(tag), { timeoutMs: 10_000 });
      await consumer.close();
      await sub.close();
    } finally {
      await publisher.close();
      await subscriber.close();
    }
  });
});

describe('redis prod: the ACL matrix (each principal, its job allowed, a representative beyond it denied)', () => {
  const matrix: Record<User, { allowed: string[][]; denied: string[][] }> = {
    app: {
      allowed: [['XADD', 'm:orders', '*', 'f', 'v'], ['XLEN', 'm:orders'], ['SET', 'm:k', 'v'], ['GET', 'm:k'], ['PUBLISH', 'm:c', 'x'], ['PING']],
      denied: [
        ['FUNCTION', 'LOAD', "#!lua name=x\nredis.register_function('x', function() return 1 end)"],
        ['FUNCTION', 'FLUSH'],
        ['SCRIPT', 'FLUSH'],
        ['EVAL', 'return 1', '0'],
        ['CONFIG', 'GET', 'masterauth'],
        ['CONFIG', 'SET', 'maxmemory', '1'],
        ['ACL', 'LIST'],
        ['FLUSHALL'],
        ['KEYS', '*'],
        ['SHUTDOWN'],
        ['REPLICAOF', 'NO', 'ONE'],
      ],
    },
    monitor: {
      allowed: [['INFO'], ['SLOWLOG', 'GET', '10'], ['LATENCY', 'LATEST'], ['CLIENT', 'INFO'], ['SCAN', '0'], ['TYPE', 'm:orders'], ['XINFO', 'STREAM', 'm:orders'], ['PING']],
      denied: [['CONFIG', 'GET', 'masterauth'], ['CONFIG', 'GET', '*'], ['GET', 'm:k'], ['XRANGE', 'm:orders', '-', '+'], ['SET', 'm:k', 'v'], ['CLIENT', 'KILL', 'TYPE', 'normal'], ['CLIENT', 'LIST'], ['ACL', 'LIST'], ['PUBLISH', 'm:c', 'x'], ['EVAL', 'return 1', '0']],
    },
    replica: {
      allowed: [['PING'], ['REPLCONF', 'listening-port', '1']],
      denied: [['GET', 'm:k'], ['SET', 'm:k', 'v'], ['INFO'], ['CONFIG', 'GET', 'masterauth'], ['SUBSCRIBE', 'm:c']],
    },
    sentinel: {
      allowed: [['PING'], ['INFO', 'replication'], ['ROLE'], ['PUBLISH', '__sentinel__:hello', 'x']],
      denied: [['GET', 'm:k'], ['SET', 'm:k', 'v'], ['CONFIG', 'GET', 'masterauth'], ['CONFIG', 'SET', 'maxmemory', '1'], ['PUBLISH', 'm:c', 'x'], ['ACL', 'LIST'], ['FLUSHALL']],
    },
    backup: {
      allowed: [['PING'], ['INFO', 'persistence']],
      denied: [['GET', 'm:k'], ['SET', 'm:k', 'v'], ['CONFIG', 'GET', 'masterauth'], ['SCAN', '0'], ['ACL', 'LIST']],
    },
    admin: { allowed: [['CONFIG', 'GET', 'maxmemory'], ['ACL', 'LIST']], denied: [] },
  };
  const results: string[] = [];

  for (const [user, { allowed, denied: refused }] of Object.entries(matrix) as [User, (typeof matrix)[User]][]) {
    it(`${user}: ${allowed.length} allowed, ${refused.length} denied`, async () => {
      const c = await session(PORTS.primary, user);
      for (const cmd of allowed) {
        const reply = await c.call(...cmd);
        expect(reply instanceof RespError ? reply.message : 'ok', `${user} ${cmd.join(' ')}`).toBe('ok');
        results.push(`${user} ${cmd.slice(0, 2).join(' ')}: allowed`);
      }
      for (const cmd of refused) {
        const reply = await c.call(...cmd);
        expect(denied(reply), `${user} ${cmd.join(' ')} → ${String(reply)}`).toBe(true);
        results.push(`${user} ${cmd.slice(0, 2).join(' ')}: NOPERM`);
      }
    });
  }

  afterAll(() => console.log(`[redis-tls] ACL matrix (${results.length} checks):\n${results.join('\n')}`));
});

describe('redis prod: the components, each with its own principal, over TLS', () => {
  it('redis_exporter (Debian 13) with the generated settings scrapes over TLS as monitor: the alert rules\' metrics are there, and the node denied none of its commands', async () => {
    const admin = await session(PORTS.primary, 'admin');
    expect(await admin.call('ACL', 'LOG', 'RESET')).toBe('OK');
    const settings = exporterEnvironment(spec);
    expect(settings).toMatchObject({ REDIS_USER: 'monitor', REDIS_EXPORTER_CONFIG_COMMAND: '-', REDIS_EXPORTER_TLS_CA_CERT_FILE: '/etc/brokerplate/tls/ca.crt' });
    const dir = join(root, 'exporter');
    // The generated command (its binary path is the Debian package's here): the password from its file, as compose mounts it.
    mkdirSync(dir, { recursive: true });
    const passwordFile = join(dir, 'redis_monitor_password');
    writeFileSync(passwordFile, password('REDIS_MONITOR_PASSWORD'), { mode: 0o600 });
    const command = exporterCommand(passwordFile, 'prometheus-redis-exporter').map((a) => a.replaceAll('$$', '$')); // compose's own expansion
    const exporter = launchInRoot('redis_exporter', command, {
      env: { PATH: process.env.PATH, ...settings, REDIS_EXPORTER_TLS_CA_CERT_FILE: ca, REDIS_EXPORTER_WEB_LISTEN_ADDRESS: `127.0.0.1:${PORTS.exporter}` },
      logFile: join(dir, 'exporter.log'),
    });
    started.push(exporter);
    await waitFor('redis_exporter', () => portOpen(PORTS.exporter), { timeoutMs: 20_000, process: exporter });
    // The target as the generated Prometheus names it (rediss://<service>:6379), here on the test port; localhost is in the certificate.
    const target = `rediss://localhost:${PORTS.primary}`;
    const text = await (await fetch(`http://127.0.0.1:${PORTS.exporter}/scrape?target=${encodeURIComponent(target)}`)).text();
    expect(text).toMatch(/^redis_up 1$/m);
    const metrics = new Set([...redisMonitoring.alerts(spec).flatMap((a) => [...a.expr.matchAll(/\bredis_[a-z_]+/g)].map((m) => m[0]))]);
    expect(metrics.size).toBeGreaterThan(3);
    for (const m of metrics) expect(text, m).toMatch(new RegExp(`^${m}[{ ]`, 'm'));
    expect(text).toMatch(/^redis_memory_max_bytes [1-9]/m);
    const log = (await admin.call('ACL', 'LOG')) as RespValue[];
    expect(log, JSON.stringify(log)).toEqual([]);
    console.log(`[redis-tls] exporter: ${metrics.size} alert metrics present (${[...metrics].join(', ')}), ACL LOG empty`);
  });

  it('a replica replicates over TLS as the replica user (masteruser replica, tls-replication yes), and its writes stay refused', async () => {
    const extra = `\n# test: this node follows the primary (in sentinel mode the entrypoint adds this line)\nreplicaof 127.0.0.1 ${PORTS.primary}\nmasteruser replica\nmasterauth ${password('REDIS_REPLICA_PASSWORD')}\n`;
    await startNode('replica', PORTS.replica, '127.0.0.1', extra);
    const app = await session(PORTS.primary, 'app');
    const tag = `repl-${Date.now()}`;
    expect(await app.call('SET', tag, 'over tls')).toBe('OK');
    const admin = await session(PORTS.replica, 'admin');
    await waitFor('replica in sync', async () => /master_link_status:up/.test(String(await admin.call('INFO', 'replication'))), { timeoutMs: 20_000 });
    await waitFor('the key on the replica', async () => (await admin.call('GET', tag)) === 'over tls', { timeoutMs: 10_000 });
    const onReplica = await session(PORTS.replica, 'app');
    expect(String(await onReplica.call('SET', tag, 'x'))).toMatch(/^READONLY/);
    const primaryAdmin = await session(PORTS.primary, 'admin');
    expect(String(await primaryAdmin.call('INFO', 'replication'))).toMatch(/connected_slaves:1/);
    // Nothing the replica user sent was refused.
    expect(((await primaryAdmin.call('ACL', 'LOG')) as RespValue[]).filter((e) => JSON.stringify(e).includes('"replica"'))).toEqual([]);
  });

  it('the backup user streams an RDB over TLS with redis-cli --rdb (the backup script\'s call)', async () => {
    const out = join(root, 'backup', 'dump.rdb');
    writeFile(join(root, 'backup', '.keep'), '');
    const { command, args } = inDebianRoot(['redis-cli', '--tls', '--cacert', ca, '--user', 'backup', '--no-auth-warning', '-h', '127.0.0.1', '-p', String(PORTS.primary), '--rdb', out], { cwd: root });
    const r = await runCommand(command, args, { env: { PATH: process.env.PATH ?? '', REDISCLI_AUTH: password('REDIS_BACKUP_PASSWORD') }, timeoutMs: 30_000 });
    expect(r.code, r.output).toBe(0);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('REDIS');
    // Without TLS the same call gets nothing.
    const plain = inDebianRoot(['redis-cli', '--user', 'backup', '--no-auth-warning', '-h', '127.0.0.1', '-p', String(PORTS.primary), '--rdb', `${out}.plain`], { cwd: root });
    const refused = await runCommand(plain.command, plain.args, { env: { PATH: process.env.PATH ?? '', REDISCLI_AUTH: password('REDIS_BACKUP_PASSWORD') }, timeoutMs: 30_000 });
    expect(refused.code).not.toBe(0);
  });

  it('the compose healthcheck (monitor, TLS) answers on the node, and fails without the CA', async () => {
    const test = (parse(project.read('compose.yaml')) as { services: Record<string, { healthcheck: { test: string[] } }> }).services[node]?.healthcheck.test ?? [];
    expect(test[0]).toBe('CMD-SHELL');
    const secrets = join(root, 'primary', 'secrets');
    const here = (command: string) => command.replaceAll('/run/secrets', secrets).replaceAll('/etc/brokerplate/tls/ca.crt', ca).replace('-p 6379', `-p ${PORTS.primary}`);
    const run = async (command: string) => {
      const { command: cmd, args } = inDebianRoot(['sh', '-c', command], { cwd: root });
      return (await runCommand(cmd, args, { env: { PATH: process.env.PATH ?? '' }, timeoutMs: 15_000 })).code;
    };
    expect(test[1]).toContain('--tls --cacert /etc/brokerplate/tls/ca.crt --user monitor');
    expect(await run(here(test[1] ?? ''))).toBe(0);
    expect(await run(here(test[1] ?? '').replace(ca, join(otherTlsDir, 'ca.crt')))).not.toBe(0);
  });
});
