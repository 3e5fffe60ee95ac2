/**
 * CLUSTER: the generated prod RabbitMQ files as a real 3-node RabbitMQ 4 cluster (Debian 13's
 * 4.0.5, the major the image pins; each node on its compose service name's loopback alias). The
 * harness changes only what a container provides (test/clusters/support/rabbitmq.ts: addresses,
 * paths, host name, the image's entrypoint, published ports); rabbitmq.conf's other keys (4.x-only
 * ones included), enabled_plugins, definitions.json, entrypoint.sh and init.sh run as generated.
 *
 * Then numbered at-least-once tasks go through the generated client (connected as `.env` says)
 * while the node leading the `tasks` quorum queue is SIGKILLed and restarted; and a lost vhost is
 * restored with the generated restore script.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rabbitHostPorts } from '../../generators/brokers/rabbitmq/connection.ts';
import { RABBITMQ_TLS_PORTS } from '../../generators/brokers/rabbitmq/config.ts';
import { CA_FILES } from '../../generators/emit/tls-model.ts';
import { httpsRequest } from '../support/rabbitmq-tls.ts';
import { settingsOf } from '../../generators/stack/index.ts';
import { importMessaging, type MessagingModule, type RabbitMessaging } from '../clients/api.ts';
import { specFor } from '../support/stack.ts';
import { assertClusterNetwork, startAll, stopAll, type ClusterNode } from './support/cluster.ts';
import { CLUSTER_WORK, generateClusterProject, type ClusterProject } from './support/project.ts';
import { publishPorts, RabbitCluster } from './support/rabbitmq.ts';
import { streamThroughFault } from './support/workload.ts';

const SERVICES = ['rabbitmq-1', 'rabbitmq-2', 'rabbitmq-3'] as const;
const QUEUE = 'tasks';
const home = join(CLUSTER_WORK, `rabbitmq-home-${process.pid}`);
const spec = specFor('hybrid', 'prod', { targets: ['compose'] });
const vhost = settingsOf(spec, 'rabbitmq').vhost;
let project: ClusterProject;
let cluster: RabbitCluster;
let published: { close(): Promise<void> } | undefined;
let mod: MessagingModule;

interface QueueInfo {
  name: string;
  type: string;
  node?: string;
  leader?: string;
  members?: string[];
  online?: string[];
  messages?: number;
}

/** The management API (HTTPS, the certificate checked against the project CA) of a running node, as the admin user init.sh created. */
async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; json: T }> {
  let last: unknown;
  const ca = project.read(CA_FILES.cert);
  for (const node of cluster.nodes.filter((n) => n.running)) {
    try {
      const res = await httpsRequest({ host: node.service, port: RABBITMQ_TLS_PORTS.management, path: `/api${path}`, ca, auth: `admin:${project.env.RABBITMQ_ADMIN_PASSWORD}`, ...init });
      return { status: res.status, json: (res.body ? JSON.parse(res.body) : undefined) as T };
    } catch (error) {
      last = error;
    }
  }
  throw new Error(`no node's management API answered ${path}: ${String(last)}`);
}

const queues = async () => (await api<QueueInfo[]>(`/queues/${encodeURIComponent(vhost)}`)).json;
const queue = async (name: string) => (await api<QueueInfo>(`/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(name)}`)).json;


/** Every queue of the vhost replicated on all 3 nodes, all members online (polled: membership grows in the background). */
async function waitReplicated(timeoutMs = 90_000): Promise<QueueInfo[]> {
  const end = Date.now() + timeoutMs;
  let seen: QueueInfo[] = [];
  for (;;) {
    seen = await queues().catch(() => seen);
    if (seen.length > 0 && seen.every((q) => q.type === 'quorum' && q.members?.length === 3 && q.online?.length === 3)) return seen;
    if (Date.now() > end) {
      throw new Error(`not every queue of ${vhost} is a quorum queue with 3 online members after ${timeoutMs} ms:\n${seen.map((q) => `${q.name}: ${q.type}, members ${JSON.stringify(q.members ?? [q.node])}, online ${JSON.stringify(q.online ?? [])}`).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** All 3 nodes running, as the cluster sees it. */
async function waitClustered(timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const nodes = await api<{ name: string; running: boolean }[]>('/nodes').then((r) => r.json, () => []);
    if (nodes.filter((n) => n.running).length === SERVICES.length) return;
    if (Date.now() > end) throw new Error(`the cluster did not have ${SERVICES.length} running nodes after ${timeoutMs} ms: ${JSON.stringify(nodes.map((n) => [n.name, n.running]))}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** The generated client with `.env` as generated (amqps://, every node in RABBITMQ_HOSTS); the CA path is relative to the project, where the client runs. */
function client(): RabbitMessaging {
  return new mod.RabbitMessaging(mod.rabbitmqSettings({ ...project.env, RABBITMQ_CA_FILE: join(project.root, project.env.RABBITMQ_CA_FILE ?? '') }), { log: () => undefined });
}

async function runInit(): Promise<void> {
  const r = await cluster.run(['bash', join(project.root, 'config/rabbitmq/init.sh')], project.serviceEnv('rabbitmq-init'));
  if (r.code !== 0) throw new Error(`init.sh failed (${r.code}):\n${r.output}`);
}

beforeAll(async () => {
  await assertClusterNetwork(SERVICES);
  project = await generateClusterProject('rabbitmq', spec);
  cluster = new RabbitCluster({ project: project.root, home, services: SERVICES, cookie: project.env.RABBITMQ_ERLANG_COOKIE ?? '', env: project.serviceEnv('rabbitmq-1') });
  published = await publishPorts(SERVICES.flatMap((service, i) => [{ hostPort: rabbitHostPorts(spec, i).amqp, service, port: 5671 }]));
  // In parallel, as compose starts them: whichever node imports the definitions first declares the queues.
  await startAll(cluster.nodes, 240_000);
  await runInit();
  mod = await importMessaging(project.root);
}, 400_000);

afterAll(async () => {
  await stopAll(cluster?.nodes ?? []);
  await published?.close();
});

describe('CLUSTER RabbitMQ 4: the generated prod files form a 3-node cluster', () => {
  it('clusters 3 nodes, and every queue of the definitions is a quorum queue with 3 members', async () => {
    const status = JSON.parse(await cluster.ctl('rabbitmqctl', 'rabbitmq-2', ['cluster_status', '--formatter', 'json'])) as { running_nodes: string[] };
    expect([...status.running_nodes].sort()).toEqual(SERVICES.map((s) => `rabbit@${s}`));
    const replicated = await waitReplicated();
    expect(replicated.map((q) => q.name).sort()).toEqual(['tasks', 'tasks.dlq']);
  }, 180_000);
});

describe('CLUSTER RabbitMQ 4: the node leading the queue killed mid-stream, generated client', () => {
  const N = 10_000;
  const RATE = 400;
  /**
   * The longest acceptable wait for an acknowledgement. A SIGKILLed node's TCP connections are
   * reset at once on loopback, so its peers see it go in well under a second (no 60 s net tick);
   * the surviving members then elect a new leader within Ra's election timeout (a few seconds),
   * and the client reconnects to the next node of RABBITMQ_HOSTS with a backoff starting at 100 ms.
   * Ten seconds leaves room for a loaded 2-core machine, and is far below the 37.8 s a client tied
   * to one node waited for it to come back.
   */
  const STALL_BOUND_MS = 10_000;

  async function run(name: string, pick: () => Promise<string>) {
    await waitClustered();
    const victim = await pick();
    const node = cluster.nodes.find((n) => `rabbit@${n.service}` === victim);
    if (!node) throw new Error(`${victim} is not a node of the cluster`);
    const leader = await queue(QUEUE).then((q) => q.leader ?? q.node);
    const roles = [leader === victim && `the ${QUEUE} leader`, victim === `rabbit@${SERVICES[0]}` && "the clients' node"].filter(Boolean).join(' and ');
    const publisher = client();
    const worker = client();
    const tag = `${name.replace(/\W+/g, '-')}-${Date.now()}-`;
    const result = await streamThroughFault({
      broker: 'rabbitmq',
      total: N,
      ratePerSecond: RATE,
      stream: {
        publish: (n) => publisher.publish(QUEUE, { type: 'send_alert', payload: { n } }, { id: `${tag}${n}`, priority: n % 11 }),
        consume: (received) =>
          worker.consume(QUEUE, {
            handler: ({ envelope }) => {
              if (envelope.id.startsWith(tag)) received(Number(envelope.id.slice(tag.length)));
            },
          }),
      },
      fault: {
        name: `${name}: ${victim}, ${roles || 'a follower without clients'}`,
        atFraction: 1 / 3,
        downMs: 20_000,
        kill: () => node.kill(),
        restart: async () => {
          node.start();
          await node.waitReady(180_000);
        },
      },
    });
    await Promise.all([publisher.close(), worker.close()]);
    expect(result.lost).toBe(0);
    expect(result.rejectedButWritten).toBe(0);
    expect(result.acked + result.rejected).toBe(N);
    expect(result.rejected, JSON.stringify(result.rejections)).toBe(0);
    expect(result.longestStallMs).toBeLessThanOrEqual(STALL_BOUND_MS);
    await waitReplicated();
  }

  it("the tasks queue's leader node killed: nothing acknowledged lost, nothing rejected written, 3 members again", async () => {
    // The quorum queue's leader (a classic queue's only node).
    await run("tasks queue leader's node", async () => {
      const info = await queue(QUEUE);
      return info.leader ?? info.node ?? '';
    });
  }, 300_000);

  it('the node the clients connect to first (RABBITMQ_URL\'s) killed: they carry on through the others', async () => {
    await run('first node of the clients', async () => `rabbit@${SERVICES[0]}`);
  }, 300_000);
});

describe('CLUSTER RabbitMQ 4: a lost vhost, restored with the generated restore script', () => {
  it('the client reports the refused vhost as such, and works again after restore.sh (topology and permissions back)', async () => {
    await waitClustered();
    const backups = join(home, 'backups');
    // The backup runs as its own principal (backup), the restore as the administrator; both over HTTPS.
    const lib = { BACKUP_DIR: backups, RABBITMQ_API: `https://rabbitmq-1:${RABBITMQ_TLS_PORTS.management}`, HTTP_CA_FILE: join(project.root, CA_FILES.cert) };
    const backup = await cluster.run(['bash', join(project.root, 'backup/rabbitmq/backup.sh')], { ...lib, RABBITMQ_PASSWORD: project.env.RABBITMQ_BACKUP_PASSWORD ?? '' });
    expect(backup.code, backup.output).toBe(0);
    const [file] = (await cluster.run(['ls', backups])).stdout.trim().split('\n');
    expect(file).toMatch(/^definitions-.*\.json$/);

    const app = client();
    await app.publish(QUEUE, { type: 'send_email', payload: { step: 'before' } });
    expect((await api(`/vhosts/${encodeURIComponent(vhost)}`, { method: 'DELETE' })).status).toBe(204);
    // The vhost is gone, its permissions with it: the broker refuses the app, and the client says so.
    await expect(app.publish(QUEUE, { type: 'send_email', payload: { step: 'lost' } })).rejects.toMatchObject({ name: 'RabbitAccessError', message: expect.stringMatching(/NOT_ALLOWED|ACCESS_REFUSED/) });

    const restore = await cluster.run(['bash', join(project.root, 'backup/rabbitmq/restore.sh'), join(backups, file ?? '')], { ...lib, RABBITMQ_PASSWORD: project.env.RABBITMQ_ADMIN_PASSWORD ?? '' });
    expect(restore.code, restore.output).toBe(0);
    expect(restore.stdout).toMatch(/app may use vhost/);
    const got: string[] = [];
    const worker = await app.consume(QUEUE, { handler: ({ payload }) => void got.push(String((payload.payload as { step?: string } | undefined)?.step)) });
    await app.publish(QUEUE, { type: 'send_email', payload: { step: 'after' } });
    await expect.poll(() => got, { timeout: 30_000 }).toContain('after');
    await worker.close();
    await app.close();
    await waitReplicated();
  }, 240_000);
});
