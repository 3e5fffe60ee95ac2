/**
 * CLUSTER: the generated prod Redis files (queue-and-cache: a stream and a pub/sub channel) as a
 * real primary + 2 replicas + 3 Sentinels, Redis 8.0.2 from the Debian 13 root. Each compose
 * service runs as its container would (test/clusters/support/container.ts): compose's entrypoint,
 * command, environment and mounts, on its service name's loopback alias; the harness changes only
 * the bind address (a container binds every interface of its own network namespace; here the
 * nodes share one, so each binds its alias) and where files and volumes live.
 *
 * Every port speaks TLS only (prod): replication, Sentinel to node and Sentinel to Sentinel too,
 * each with its own ACL user (replica, sentinel); the certificates are those a prod run issues,
 * copied into each node's volume by the generated certs-init.sh; passwords are compose secrets.
 *
 * Then the generated client, configured from the generated .env exactly as a program on the host
 * is (published ports forwarded from 127.0.0.1 as docker-proxy does; TLS with the generated CA,
 * host names verified), streams numbered entries while the primary is SIGKILLed and restarted.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specFor } from '../support/stack.ts';
import { pairs, Resp, RespError, type RespValue } from '../support/resp.ts';
import { importMessaging, type MessagingModule, type RedisMessaging } from '../clients/api.ts';
import { addressOf, assertClusterNetwork, stopAll, type ClusterNode } from './support/cluster.ts';
import { containerNode, fillTlsVolumes, runService, upInOrder, volumePath } from './support/container.ts';
import { CLUSTER_WORK, generateClusterProject, type ClusterProject } from './support/project.ts';
import { streamThroughFault, type StreamResult } from './support/workload.ts';

const DATA = ['redis-1', 'redis-2', 'redis-3'] as const;
const SENTINELS = ['redis-sentinel-1', 'redis-sentinel-2', 'redis-sentinel-3'] as const;
const PORT = { redis: 6379, sentinel: 26379 } as const;
const MASTER = 'main';
const home = join(CLUSTER_WORK, `redis-home-${process.pid}`);
let project: ClusterProject;
let nodes: ClusterNode[];
let mod: MessagingModule;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Binds each node to its alias instead of every interface (the one thing a container's own network namespace provides). */
function bindToAlias(service: string) {
  return (_target: string, contents: string) => contents.replace(/^bind .*$/m, `bind ${addressOf(service)}`);
}

/** A TLS session with a node (by service name: data nodes on 6379, Sentinels on 26379), its certificate verified for that name. */
function connectTo(service: string): Promise<Resp> {
  const port = service.includes('sentinel') ? PORT.sentinel : PORT.redis;
  return Resp.connectTls(port, addressOf(service), { servername: service, ca: readFileSync(join(project.root, 'secrets/tls/ca.crt')) });
}

/** One command as admin on a node. */
async function admin(service: string, ...args: string[]): Promise<RespValue> {
  const c = await connectTo(service);
  try {
    const auth = await c.call('AUTH', 'admin', project.env.REDIS_ADMIN_PASSWORD ?? '');
    if (auth !== 'OK') throw new Error(`AUTH admin on ${service}: ${String(auth)}`);
    return await c.call(...args);
  } finally {
    c.close();
  }
}

/** `admin`, once the node has loaded its data set (it answers LOADING until then). */
async function loaded(service: string, ...args: string[]): Promise<RespValue> {
  const end = Date.now() + 60_000;
  for (;;) {
    const reply = await admin(service, ...args);
    if (!(reply instanceof RespError && reply.message.startsWith('LOADING')) || Date.now() > end) return reply;
    await sleep(200);
  }
}

const serviceOf = (host: string) => DATA.find((d) => d === host || addressOf(d) === host);

/** What every Sentinel says: the primary's service name (undefined when one does not answer) and how many replicas and peers it knows. */
async function sentinelViews(): Promise<Array<{ primary: string | undefined; replicas: number; sentinels: number; flags: string }>> {
  return Promise.all(
    SENTINELS.map(async (s) => {
      const m = pairs(await admin(s, 'SENTINEL', 'MASTER', MASTER).catch(() => []));
      return { primary: serviceOf(m.ip ?? ''), replicas: Number(m['num-slaves'] ?? 0), sentinels: Number(m['num-other-sentinels'] ?? 0), flags: m.flags ?? '' };
    }),
  );
}

/** The cluster is whole: 3 Sentinels agree on one primary, that primary has 2 replicas online, and it says so itself. */
async function whole(): Promise<string | undefined> {
  const views = await sentinelViews();
  const primary = views[0]?.primary;
  if (!primary || !views.every((v) => v.primary === primary && v.flags === 'master' && v.sentinels === 2 && v.replicas === 2)) return undefined;
  const info = String(await admin(primary, 'INFO', 'replication').catch(() => ''));
  if (!info.includes('role:master')) return undefined;
  const online = info.split('\n').filter((l) => /^slave\d+:.*state=online/.test(l)).length;
  return online === 2 ? primary : undefined;
}

async function waitWhole(timeoutMs = 120_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const primary = await whole().catch(() => undefined);
    if (primary) return primary;
    if (Date.now() > end) {
      throw new Error(`the Redis cluster did not become whole:\n${JSON.stringify(await sentinelViews())}\n${nodes.map((n) => `${n.service}:\n${n.tail(12)}`).join('\n')}`);
    }
    await sleep(500);
  }
}

const nodeOf = (service: string) => nodes.find((n) => n.service === service) as ClusterNode;

/**
 * The primary, moved off the node the generated files make primary (redis-1) if the failovers
 * before landed back on it (three failovers among three nodes can): asked of a Sentinel as admin,
 * as an operator would, so the tests after it can tell a role kept from the last failover from
 * the generated one.
 */
async function primaryAwayFromGenerated(): Promise<string> {
  const primary = await waitWhole();
  if (primary !== 'redis-1') return primary;
  expect(await admin('redis-sentinel-1', 'SENTINEL', 'FAILOVER', MASTER)).toBe('OK');
  const end = Date.now() + 120_000;
  for (;;) {
    const now = await waitWhole();
    if (now !== 'redis-1') return now;
    if (Date.now() > end) throw new Error('SENTINEL FAILOVER left redis-1 primary');
    await sleep(500);
  }
}

beforeAll(async () => {
  await assertClusterNetwork([...DATA, ...SENTINELS]);
  project = await generateClusterProject('redis', specFor('queue-and-cache', 'prod', { targets: ['compose'] }));
  nodes = [...DATA, ...SENTINELS].map((service) =>
    containerNode(project, service, { home, readyPort: service.includes('sentinel') ? PORT.sentinel : PORT.redis, edit: bindToAlias(service) }),
  );
  // `certs-init` (every node waits for it): each node's certificate and key into its TLS volume.
  await fillTlsVolumes(project, home, [...DATA, ...SENTINELS]);
  await upInOrder(project, nodes);
  mod = await importMessaging(project.root);
}, 300_000);

afterAll(async () => {
  await stopAll(nodes ?? []);
});

describe('CLUSTER Redis: the generated prod files form a primary, 2 replicas and 3 Sentinels', () => {
  it('2 replicas attached to the primary, 3 Sentinels agreeing on it', async () => {
    const primary = await waitWhole();
    expect(primary).toBe('redis-1');
    const views = await sentinelViews();
    expect(views.map((v) => v.primary)).toEqual(['redis-1', 'redis-1', 'redis-1']);
    expect(views.every((v) => v.replicas === 2 && v.sentinels === 2)).toBe(true);
  }, 180_000);
});

/** Sentinel's down-after-milliseconds for the master, from the generated template. */
function downAfterMs(): number {
  const ms = Number(/^sentinel down-after-milliseconds main (\d+)$/m.exec(project.read('config/redis/redis-sentinel-1.conf.template'))?.[1]);
  if (!ms) throw new Error('the Sentinel template has no down-after-milliseconds for main');
  return ms;
}

/**
 * The longest a client may go without an acknowledgement when the primary dies: Sentinel's
 * down-after-milliseconds (the primary is subjectively down), then the failover, budgeted at 10 s
 * on these loaded 2-core machines: ~1 s for a quorum to agree it is objectively down (Sentinels ask
 * each other every second), up to ~1 s of random delay plus a vote to elect the leader, ~1–2 s until
 * the promoted replica reports its new role (INFO every second during a failover), ~1 s for the
 * other replica to reattach to it (min-replicas-to-write 1 refuses writes until one has), and the
 * client's retry backoff (capped at 2 s) plus its switch to the new primary on +switch-master.
 */
const failoverBoundMs = () => downAfterMs() + 10_000;

/** The role a node reports (INFO replication), and the primary it follows if it is a replica. */
async function roleOf(service: string): Promise<{ role: string; following?: string }> {
  const info = String(await admin(service, 'INFO', 'replication'));
  const role = /^role:(\w+)/m.exec(info)?.[1] ?? 'unknown';
  const host = /^master_host:(\S+)/m.exec(info)?.[1];
  return { role, ...(host && { following: serviceOf(host) }) };
}

/** The client's environment: the generated .env as a program on the host reads it, or as a container in the compose network would have it. */
function clientEnv(view: 'host' | 'network'): Record<string, string> {
  // REDIS_CA_FILE is relative to the project (where a program on the host runs); these tests run elsewhere.
  const ca = { REDIS_CA_FILE: join(project.root, project.env.REDIS_CA_FILE ?? '') };
  if (view === 'host') return { ...project.env, ...ca };
  const { REDIS_NODE_MAP: _map, ...env } = project.env;
  return { ...env, ...ca, REDIS_SENTINELS: SENTINELS.map((s) => `${s}:${PORT.sentinel}`).join(',') };
}

const quiet = { log: () => undefined };
const client = (env: Record<string, string>, overrides: { ackReplicas?: number } = {}): RedisMessaging =>
  new mod.RedisMessaging({ ...mod.redisSettings(env), ...overrides }, quiet);

describe('CLUSTER Redis: the primary SIGKILLed mid-stream and restarted, generated client', () => {
  const RATE = 400;

  /** Kills the current primary at `atFraction`, restarts it `downMs` later and waits until it rejoined as a replica. */
  function killPrimary(name: string, atFraction: number, downMs: number) {
    let victim: ClusterNode | undefined;
    const times = { killed: 0, rejoined: 0 };
    return {
      name,
      atFraction,
      downMs,
      times,
      victim: () => victim?.service,
      kill: async () => {
        victim = nodeOf((await sentinelViews())[0]?.primary ?? 'redis-1');
        await victim.kill();
        times.killed = Date.now();
      },
      restart: async () => {
        const node = victim as ClusterNode;
        node.start();
        await node.waitReady();
        const end = Date.now() + 60_000;
        while ((await roleOf(node.service).catch(() => ({ role: 'unknown' }))).role !== 'slave' && Date.now() < end) await sleep(200);
        times.rejoined = Date.now();
      },
    };
  }

  /** After the case: whole again, with the old primary back as a replica of the new one (no second primary, no stale role). */
  async function assertRejoined(old: string | undefined): Promise<void> {
    const primary = await waitWhole();
    expect(old).toBeDefined();
    expect(primary).not.toBe(old);
    expect(await roleOf(old as string)).toEqual({ role: 'slave', following: primary });
    const roles = await Promise.all(DATA.map(roleOf));
    expect(roles.filter((r) => r.role === 'master')).toHaveLength(1);
  }

  it('stream entries (at-least-once, acknowledged = on a replica too), from the host through .env: nothing acknowledged lost, nothing rejected yet written', async () => {
    await waitWhole();
    const redis = client(clientEnv('host'));
    const N = 10_000;
    const tag = `s${Date.now()}-`;
    const fault = killPrimary('primary killed (stream, WAIT 1, host)', 1 / 3, 20_000);
    const result: StreamResult = await streamThroughFault({
      broker: 'redis',
      total: N,
      ratePerSecond: RATE,
      stream: {
        publish: (n) => redis.append('orders', { orderId: `${tag}${n}`, customer: 'c', status: 'created' }, { id: `${tag}${n}` }),
        consume: (received) =>
          redis.consumeStream('orders', {
            group: `audit-${tag}`,
            handler: ({ envelope }) => void (envelope.id.startsWith(tag) && received(Number(envelope.id.slice(tag.length)))),
          }),
      },
      fault,
    });
    await redis.close();
    expect(result.lost).toBe(0);
    expect(result.rejectedButWritten).toBe(0);
    expect(result.rejected).toBe(0);
    expect(result.acked).toBe(N);
    expect(result.longestStallMs).toBeLessThanOrEqual(failoverBoundMs());
    await assertRejoined(fault.victim());
  }, 300_000);

  for (const view of ['network', 'host'] as const) {
    it(`pub/sub (at-most-once), ${view === 'host' ? 'from the host through .env' : 'inside the network'}: once the old primary rejoined, every publish reaches the subscriber`, async () => {
      await waitWhole();
      const env = clientEnv(view);
      const publisher = client(env);
      const subscriber = client(env);
      const tag = `p${Date.now()}-`;
      const total = 12_000;
      const sent = new Map<number, number>();
      const receivers = new Map<number, number>();
      const got = new Set<number>();
      const fault = killPrimary(`primary killed (pub/sub, ${view})`, 1 / 4, 12_000);
      const result = await streamThroughFault({
        broker: 'redis',
        total,
        ratePerSecond: RATE,
        stream: {
          // At-most-once: a publish nobody received counts as rejected here, so the report shows how many went to no one.
          publish: async (n) => {
            sent.set(n, Date.now());
            const { receivers: count } = await publisher.publish('cache:invalidate', { key: `${tag}${n}` });
            receivers.set(n, count);
            if (count === 0) throw new Error('answered with 0 receivers');
          },
          consume: async (received) =>
            subscriber.subscribe('cache:invalidate', ({ payload }) => {
              const key = String(payload.key);
              if (!key.startsWith(tag)) return;
              got.add(Number(key.slice(tag.length)));
              received(Number(key.slice(tag.length)));
            }),
        },
        fault,
        settleMs: 1_000,
        drainTimeoutMs: 10_000,
      });
      const unheard = [...receivers].filter(([, count]) => count === 0).map(([n]) => (sent.get(n) ?? 0) - fault.times.killed);
      const window = unheard.length > 0 ? `, sent between ${(Math.min(...unheard) / 1000).toFixed(1)} s and ${(Math.max(...unheard) / 1000).toFixed(1)} s after the kill` : '';
      console.log(`[cluster] redis pub/sub ${view}: ${unheard.length} publishes answered with 0 receivers${window}; the old primary rejoined ${((fault.times.rejoined - fault.times.killed) / 1000).toFixed(1)} s after the kill`);
      // Published from 2 s after the old primary rejoined as a replica (the last topology event) on.
      const tail = [...sent].filter(([, at]) => at >= fault.times.rejoined + 2_000).map(([n]) => n);
      expect(tail.length).toBeGreaterThan(1_000);
      expect(tail.filter((n) => (receivers.get(n) ?? 0) < 1)).toEqual([]);
      expect(tail.filter((n) => !got.has(n))).toEqual([]);
      expect(result.rejectedButWritten).toBe(0);
      expect(result.longestStallMs).toBeLessThanOrEqual(failoverBoundMs());
      // A write and a publish on the new primary (the issue saw READONLY from the old one).
      await publisher.invalidateCache([`${tag}after`]);
      await publisher.close();
      await subscriber.close();
      await assertRejoined(fault.victim());
    }, 300_000);
  }
});

describe('CLUSTER Redis: an acknowledged append is on a replica (WAIT), and what that costs', () => {
  it('with both replicas frozen, append() does not resolve until one holds the entry; without WAIT it does', async () => {
    const primary = await waitWhole();
    const replicas = DATA.filter((d) => d !== primary).map(nodeOf);
    const env = clientEnv('host');
    const durable = client(env);
    const fast = client(env, { ackReplicas: 0 });
    await Promise.all([durable.connect(), fast.connect()]);
    const tag = `w${Date.now()}`;
    for (const r of replicas) r.freeze(true);
    try {
      let resolved = false;
      const pending = durable.append('orders', { orderId: `${tag}-durable`, customer: 'c', status: 'created' }).then((r) => ((resolved = true), r));
      // The primary still takes writes (min-replicas-max-lag: 10 s) and answers at once without WAIT...
      await fast.append('orders', { orderId: `${tag}-fast`, customer: 'c', status: 'created' });
      await sleep(4_000);
      // ...but nothing that waits for a replica can be acknowledged while none answers.
      expect(resolved).toBe(false);
      for (const r of replicas) r.freeze(false);
      const { entryId } = await pending;
      const onReplica = await Promise.all(replicas.map((r) => admin(r.service, 'XRANGE', 'orders', entryId, entryId)));
      expect(onReplica.some((reply) => Array.isArray(reply) && reply.length === 1)).toBe(true);
    } finally {
      for (const r of replicas) if (r.running) r.freeze(false);
      await Promise.all([durable.close(), fast.close()]);
    }
    await waitWhole();
  }, 120_000);

  it('measures append() throughput with and without WAIT 1, side by side', async () => {
    await waitWhole();
    // Inside the network: no port forwarding in the way of the measurement.
    const env = clientEnv('network');
    const sides = { 'WAIT 1': client(env), 'no WAIT': client(env, { ackReplicas: 0 }) };
    const M = 5_000;
    const perSecond: Record<string, Record<string, number[]>> = {};
    const run = async (name: keyof typeof sides, concurrency: number) => {
      const redis = sides[name];
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < M) {
            next++;
            await redis.append('orders', { orderId: 'bench', customer: 'c', status: 'created' });
          }
        }),
      );
      ((perSecond[`${concurrency} in flight`] ??= {})[name] ??= []).push(M / ((performance.now() - t0) / 1000));
    };
    for (const concurrency of [1, 32]) {
      for (let round = 0; round < 5; round++) {
        const order: (keyof typeof sides)[] = round % 2 === 0 ? ['WAIT 1', 'no WAIT'] : ['no WAIT', 'WAIT 1'];
        for (const name of order) await run(name, concurrency);
      }
    }
    await Promise.all(Object.values(sides).map((s) => s.close()));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const rows = Object.entries(perSecond).map(([load, bySide]) => {
      const wait = median(bySide['WAIT 1'] ?? []);
      const none = median(bySide['no WAIT'] ?? []);
      return { load, waitPerSecond: Math.round(wait), noWaitPerSecond: Math.round(none), ratio: Number((wait / none).toFixed(2)) };
    });
    for (const r of rows) console.log(`[cluster] redis append ${r.load}: WAIT 1 ${r.waitPerSecond}/s, no WAIT ${r.noWaitPerSecond}/s, ratio ${r.ratio} (medians of 5 interleaved rounds of ${M})`);
    writeFileSync(join(CLUSTER_WORK, 'redis-wait-cost.json'), `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`);
    expect(rows.every((r) => r.waitPerSecond > 0 && r.noWaitPerSecond > 0)).toBe(true);
  }, 180_000);
});

describe('CLUSTER Redis: what survives a restart, and what never reaches a disk', () => {
  const volumes = (service: string) => join(home, service, 'volumes');

  /** Every file under a folder, recursively, with its text. */
  function filesUnder(dir: string): Array<{ path: string; text: string }> {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => ({ path: join(e.parentPath, e.name), text: readFileSync(join(e.parentPath, e.name)).toString('latin1') }));
  }

  it('through the failovers above, no node refused anything to the app, replica, sentinel, monitor or backup users (their least-privilege ACLs suffice)', async () => {
    await waitWhole();
    const refused: string[] = [];
    const replay: string[] = [];
    for (const service of [...DATA, ...SENTINELS]) {
      const log = (await admin(service, 'ACL', 'LOG')) as RespValue[];
      for (const entry of log) {
        const e = pairs(entry);
        const line = `${service}: ${e.username} ${e.reason} ${e.object} (${e.context})`;
        // Redis 8.0.2 re-checks ACLs inside EXEC while it replays its AOF, as the default user
        // (redis/redis#14541, fixed by #14545): a known server bug, not one of the stack's principals.
        if (e.username === 'default') replay.push(line);
        else if (e.username !== 'admin') refused.push(line);
      }
    }
    if (replay.length > 0) console.log(`[cluster] redis: the AOF replay refused as "default" (redis/redis#14541):\n${replay.join('\n')}`);
    expect(refused).toEqual([]);
  });

  it('no volume of any node holds a password, and each Sentinel keeps its state there: its id, and the primary of the last failover', async () => {
    const primary = await waitWhole();
    const secrets = ['REDIS_PASSWORD', 'REDIS_ADMIN_PASSWORD', 'REDIS_MONITOR_PASSWORD', 'REDIS_REPLICA_PASSWORD', 'REDIS_SENTINEL_PASSWORD', 'REDIS_BACKUP_PASSWORD'].map((k) => project.env[k] ?? '');
    expect(secrets).toHaveLength(6);
    expect(secrets.every((s) => s.length >= 16)).toBe(true);
    for (const service of [...DATA, ...SENTINELS]) {
      for (const f of filesUnder(volumes(service))) {
        for (const secret of secrets) expect(f.text.includes(secret), `${f.path} holds a password`).toBe(false);
      }
    }
    for (const sentinel of SENTINELS) {
      const state = readFileSync(join(volumes(sentinel), `${sentinel}-data`, 'sentinel-state.conf'), 'utf8');
      expect(state).toMatch(/^sentinel myid [0-9a-f]{40}$/m);
      expect(state).toMatch(new RegExp(`^sentinel monitor main ${primary} ${PORT.redis} 2$`, 'm'));
      expect(state).not.toMatch(/^(user|sentinel auth-pass|sentinel sentinel-pass|requirepass|masterauth) /m);
    }
  });

  it('the application user can ask a Sentinel for the primary but cannot reconfigure it', async () => {
    const app = await connectTo('redis-sentinel-1');
    try {
      expect(String(await app.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER))).toMatch(/^NOAUTH/);
      expect(await app.call('AUTH', 'app', project.env.REDIS_PASSWORD ?? '')).toBe('OK');
      expect(await app.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER)).toEqual([await waitWhole(), String(PORT.redis)]);
      for (const cmd of [['SENTINEL', 'FAILOVER', MASTER], ['SENTINEL', 'SET', MASTER, 'down-after-milliseconds', '1000'], ['SENTINEL', 'REMOVE', MASTER], ['SENTINEL', 'CONFIG', 'GET', '*']]) {
        expect(String(await app.call(...cmd)), cmd.join(' ')).toMatch(/^NOPERM/);
      }
    } finally {
      app.close();
    }
  });

  it('the restore runbook of the README, after a failover: the Sentinels name the primary, the backup goes into its volume, the replicas copy it', async () => {
    const primary = await primaryAwayFromGenerated();
    const replicas = DATA.filter((d) => d !== primary);
    const tag = `restore-${Date.now()}`;
    await admin(primary, 'SET', tag, 'in the backup');
    await admin(primary, 'WAIT', '2', '5000');
    // `docker compose --profile backup run --rm redis-backup` (no Pushgateway here: the script says so and goes on).
    const backup = await runService(project, 'redis-backup', { home, env: { PUSHGATEWAY_URL: undefined } });
    expect(backup.code, backup.output).toBe(0);
    const file = /redis backup: \/backups\/redis\/(redis-\S+\.rdb)/.exec(backup.stdout)?.[1];
    expect(file, backup.output).toBeDefined();
    await admin(primary, 'SET', tag, 'after the backup');

    // 1. Ask the Sentinels which node is the primary.
    const named = await admin('redis-sentinel-1', 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER);
    expect(named).toEqual([primary, String(PORT.redis)]);
    // 2. Stop the replicas first, then the primary.
    await Promise.all(replicas.map((r) => nodeOf(r).stop()));
    await nodeOf(primary).stop();
    // 3. The backup into the primary's volume; 4. the replicas' data set aside.
    const volume = (service: string) => volumePath(home, service, `${service}-data`);
    const restore = await runService(project, 'redis-backup', { home, extraMounts: [[volume(primary), '/data']], argv: ['bash', '/backup/redis/restore.sh', `/backups/redis/${file}`, '/data'] });
    expect(restore.code, restore.output).toBe(0);
    for (const r of replicas) {
      const aside = await runService(project, 'redis-backup', { home, extraMounts: [[volume(r), '/data']], argv: ['bash', '/backup/redis/restore.sh', '--set-aside', '/data'] });
      expect(aside.code, aside.output).toBe(0);
    }
    // 5. The primary first, then the replicas: each asks the Sentinels, which still name the primary.
    nodeOf(primary).start();
    await nodeOf(primary).waitReady();
    expect(await loaded(primary, 'GET', tag)).toBe('in the backup');
    for (const r of replicas) nodeOf(r).start();
    await Promise.all(replicas.map((r) => nodeOf(r).waitReady()));
    expect(await waitWhole()).toBe(primary);
    for (const r of replicas) expect(await loaded(r, 'GET', tag)).toBe('in the backup');
  }, 180_000);

  it('the whole stack SIGKILLed and started again (compose order): the primary of the last failover stays primary, no node comes back with its generated role', async () => {
    const primary = await primaryAwayFromGenerated();
    await Promise.all(nodes.map((n) => n.kill()));
    await upInOrder(project, nodes);
    expect(await waitWhole()).toBe(primary);
    const roles = await Promise.all(DATA.map(roleOf));
    expect(roles.filter((r) => r.role === 'master')).toHaveLength(1);
    expect(roles.filter((r) => r.role === 'slave').every((r) => r.following === primary)).toBe(true);
  }, 180_000);
});
