/**
 * CLUSTER: the generated prod Kafka files as a real 3-node KRaft cluster (Kafka jars on Java 17,
 * each node on its compose service name's loopback alias), secured as generated: mutual TLS between
 * the nodes (controller and replication listeners), SASL_SSL/SCRAM-SHA-512 for clients, ACLs. The
 * harness changes only what a container provides: listener bind addresses (a container binds every
 * interface; compose publishes EXTERNAL on 127.0.0.1:9092/9192/9292), the data directory, where the
 * node's TLS files (certs-init's volume) and password files (compose secrets) are. The node's
 * entrypoint.sh, properties and create-topics.sh run as generated; the tools and the client
 * authenticate as the generated users (admin, app).
 *
 * Then numbered at-least-once events go through the generated client while one node is killed:
 * the partition leaders' node, and (second case) the KRaft quorum leader.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../support/cli.ts';
import { specFor } from '../support/stack.ts';
import { fakeKafkaHome, kafkaClasspath, runTool } from '../support/kafka.ts';
import { remapLines, writeFile } from '../support/launch.ts';
import { importMessaging, type MessagingModule } from '../clients/api.ts';
import { assertClusterNetwork, ClusterNode, startAll, stopAll } from './support/cluster.ts';
import { CLUSTER_WORK, generateClusterProject, type ClusterProject } from './support/project.ts';
import { streamThroughFault } from './support/workload.ts';

const SERVICES = ['kafka-1', 'kafka-2', 'kafka-3'] as const;
const home = join(CLUSTER_WORK, `kafka-home-${process.pid}`);
let project: ClusterProject;
let nodes: ClusterNode[];
let mod: MessagingModule;

/** `NAME://:PORT` listeners bound where a container's would be reachable: the advertised address of that listener, else the service's own name. */
function containerListeners(properties: string, service: string): string {
  const line = (key: string) => new RegExp(`^${key.replace('.', '\\.')}=(.*)$`, 'm').exec(properties)?.[1] ?? '';
  const advertised = new Map(line('advertised.listeners').split(',').filter(Boolean).map((l) => [l.split('://')[0], l.split('://')[1]]));
  return line('listeners')
    .split(',')
    .map((l) => {
      const [name = '', port = ''] = l.split('://:');
      return `${name}://${advertised.get(name) ?? `${service}:${port}`}`;
    })
    .join(',');
}

/** What certs-init copies into the node's TLS volume: its combined PEM and the CA. */
function nodeTls(service: string): string {
  const dir = join(home, service, 'tls');
  writeFile(join(dir, 'tls.pem'), project.read(`secrets/tls/${service}.pem`));
  writeFile(join(dir, 'ca.crt'), project.read('secrets/tls/ca.crt'));
  return dir;
}

function kafkaNode(service: string): ClusterNode {
  const generated = project.read(`config/kafka/${service}.properties`).replaceAll('/etc/brokerplate/tls/', `${nodeTls(service)}/`);
  const config = join(home, service, 'server.properties');
  writeFile(config, remapLines(generated, { listeners: containerListeners(generated, service), 'log.dirs': join(home, service, 'data') }, '='));
  const env = { ...process.env, ...project.serviceEnv(service), KAFKA_HOME: home, KAFKA_CONFIG: config, KAFKA_SECRETS_DIR: project.secretsDir };
  return new ClusterNode(service, () => ({ command: 'bash', args: [join(project.root, 'config/kafka/entrypoint.sh')], env }), join(home, service, 'kafka.log'), 19092);
}

const TOPICS = ['events', 'events.dlq'];
const bootstrap = SERVICES.map((s) => `${s}:19092`).join(',');

/** The admin tools' client config: SASL_SSL as the generated admin user, the stack's CA (what create-topics.sh writes for itself). */
function adminConfig(): string {
  const file = join(home, 'admin.properties');
  writeFile(
    file,
    [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${project.env.KAFKA_ADMIN_PASSWORD ?? ''}";`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${join(project.root, 'secrets/tls/ca.crt')}`,
      '',
    ].join('\n'),
  );
  return file;
}

async function tool(name: string, args: string[]): Promise<string> {
  // Before any subcommand (kafka-metadata-quorum.sh describe …): a top-level option.
  const r = await runTool(home, name, ['--command-config', join(home, 'admin.properties'), ...args]);
  if (r.code !== 0) throw new Error(`${name} ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

async function quorum(): Promise<{ leader: number; voters: number }> {
  const out = await tool('kafka-metadata-quorum.sh', ['--bootstrap-server', bootstrap, 'describe', '--status']);
  const leader = Number(/LeaderId:\s+(\d+)/.exec(out)?.[1]);
  const voters = (/CurrentVoters:\s+\[(.*)\]/.exec(out)?.[1] ?? '').split('},').filter((v) => v.includes('"id"') || /\d/.test(v)).length;
  return { leader, voters };
}

/** Per partition of a topic: its leader and in-sync replica count. */
async function partitions(topic: string): Promise<{ leader: number; isr: number }[]> {
  const out = await tool('kafka-topics.sh', ['--bootstrap-server', bootstrap, '--describe', '--topic', topic]);
  return [...out.matchAll(/Partition: \d+\s+Leader: (-?\d+)\s+Replicas: [\d,]+\s+Isr: ([\d,]+)/g)].map((m) => ({ leader: Number(m[1]), isr: (m[2] ?? '').split(',').length }));
}

/** Waits until the quorum has 3 voters and every partition of the stack's topics 3 in-sync replicas; returns what it saw last. */
async function waitWhole(): Promise<{ voters: number; isr: number[] }> {
  const end = Date.now() + 120_000;
  for (;;) {
    const voters = (await quorum().catch(() => ({ voters: 0 }))).voters;
    const isr = (await Promise.all(TOPICS.map((t) => partitions(t).catch(() => [])))).flat().map((p) => p.isr);
    if ((voters === 3 && isr.length > 0 && isr.every((n) => n === 3)) || Date.now() > end) return { voters, isr };
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

beforeAll(async () => {
  await assertClusterNetwork(SERVICES);
  project = await generateClusterProject('kafka', specFor('hybrid', 'prod', { targets: ['compose'] }));
  fakeKafkaHome(home, (await kafkaClasspath()).classpath);
  nodes = SERVICES.map(kafkaNode);
  adminConfig();
  await startAll(nodes);
  mod = await importMessaging(project.root);
}, 300_000);

afterAll(async () => {
  await stopAll(nodes ?? []);
});

describe('CLUSTER Kafka: the generated prod files form a 3-node KRaft cluster', () => {
  it('has 3 voters, and create-topics.sh makes every topic with 3 in-sync replicas', async () => {
    await expect.poll(async () => (await quorum().catch(() => ({ voters: 0 }))).voters, { timeout: 60_000, interval: 1_000 }).toBe(3);
    const r = await runCommand('bash', [join(project.root, 'config/kafka/create-topics.sh')], {
      env: { KAFKA_HOME: home, KAFKA_SECRETS_DIR: project.secretsDir, KAFKA_CA_FILE: join(project.root, 'secrets/tls/ca.crt') },
      // A JVM per topic and per ACL grant: ~4 min measured on two loaded cores.
      timeoutMs: 360_000,
    });
    expect(r.code, r.output).toBe(0);
    for (const topic of TOPICS) {
      const parts = await partitions(topic);
      expect(parts.length).toBeGreaterThan(0);
      expect(parts.every((p) => p.isr === 3)).toBe(true);
    }
  }, 480_000);
});

/**
 * How long acks=all writes may stall. With replication factor 3 on 3 nodes every partition has the
 * dead node in its ISR, so every acks=all write waits until the controller fences that node
 * (broker.session.timeout.ms, Kafka's default 9 s: the generated properties leave it alone) and
 * drops it from the ISRs or moves leadership. When the dead node was also the quorum leader, the
 * controllers first elect a new one (controller.quorum.fetch.timeout.ms, default 2 s, plus a
 * randomised election backoff ≤ 1 s). Then the client needs one retry (backoff ≤ 1 s) and a
 * metadata refresh. 2 s of margin for two loaded cores and JVM pauses.
 */
const BROKER_SESSION_TIMEOUT_MS = 9_000;
const STALL_BOUND_MS = {
  partitionLeaders: BROKER_SESSION_TIMEOUT_MS + 1_000 + 2_000,
  quorumLeader: BROKER_SESSION_TIMEOUT_MS + 2_000 + 1_000 + 1_000 + 2_000,
} as const;

describe('CLUSTER Kafka: a node killed mid-stream, generated client (acks=all, idempotent)', () => {
  const N = 10_000;

  interface Shape {
    readonly rate: number;
    /** Messages issued in one turn of the event loop (1: steady). */
    readonly burst: number;
    /** Alternate bursts go out as one publishMany() instead of `burst` concurrent publish() calls. */
    readonly publishMany: boolean;
  }

  it('the generated properties keep Kafka\'s default broker session timeout (the stall bounds assume it)', () => {
    for (const service of SERVICES) expect(project.read(`config/kafka/${service}.properties`)).not.toMatch(/^broker\.session\.timeout\.ms=/m);
  });

  /** The hybrid spec's consumer groups of `events`: the app user may use only these (ACLs). */
  const GROUPS = ['analytics', 'audit'] as const;
  let cases = 0;

  async function run(name: string, shape: Shape, pick: () => Promise<number>) {
    expect(await waitWhole()).toMatchObject({ voters: 3 });
    // Chosen before the stream starts: the admin tools are JVMs that take seconds to answer.
    const victim = nodes[(await pick()) - 1];
    if (!victim) throw new Error(`${name}: no such node`);
    // The generated client as the app user over SASL_SSL (.env; KAFKA_CA_FILE is relative to the project folder).
    const kafka = new mod.KafkaMessaging(mod.kafkaSettings({ ...project.env, KAFKA_CA_FILE: join(project.root, project.env.KAFKA_CA_FILE ?? '') }), { log: () => undefined });
    const group = GROUPS[cases++ % GROUPS.length] ?? 'audit';
    // Each case uses one of the spec's groups; only this case's (tagged) messages count.
    const tag = `${name.replace(/\W+/g, '-')}-${Date.now()}`;
    const payload = (n: number) => ({ type: 'cluster.test', data: { tag, n }, timestamp: new Date().toISOString() });
    // publishMany bursts: the publish(n) calls of one turn of the event loop become one publishMany().
    type Call = { n: number; settle: (error?: unknown) => void };
    let batch: Call[] | undefined;
    const viaPublishMany = (n: number) =>
      new Promise<void>((resolve, reject) => {
        if (!batch) {
          const calls: Call[] = [];
          batch = calls;
          setImmediate(() => {
            batch = undefined;
            kafka.publishMany('events', calls.map((c) => payload(c.n))).then(
              () => calls.forEach((c) => c.settle()),
              (error: unknown) => calls.forEach((c) => c.settle(error ?? new Error('publishMany rejected'))),
            );
          });
        }
        batch.push({ n, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      });
    const result = await streamThroughFault({
      broker: 'kafka',
      total: N,
      ratePerSecond: shape.rate,
      burst: shape.burst,
      stream: {
        publish: (n) => (shape.publishMany && Math.floor(n / shape.burst) % 2 === 1 ? viaPublishMany(n) : kafka.publish('events', payload(n))),
        consume: (received) =>
          kafka.consume('events', {
            group,
            handler: ({ payload: p }) => {
              const data = p.data as { tag?: string; n?: number } | undefined;
              if (data?.tag === tag && typeof data.n === 'number') received(data.n);
            },
          }),
      },
      fault: {
        name: `${name}${shape.burst > 1 ? ` (bursts of ${shape.burst}${shape.publishMany ? ', publish() and publishMany()' : ''}, ${shape.rate}/s)` : ` (steady ${shape.rate}/s)`}`,
        atFraction: 1 / 3,
        downMs: 20_000,
        kill: () => victim.kill(),
        restart: async () => {
          victim.start();
          await victim.waitReady();
        },
      },
    });
    await kafka.close();
    // Whole again: the restarted node is a voter and back in every ISR.
    const whole = await waitWhole();
    const tails = nodes.map((n) => `${n.service}:\n${n.tail(15)}`).join('\n');
    expect(whole.voters, tails).toBe(3);
    expect(whole.isr.length).toBeGreaterThan(0);
    expect(whole.isr.every((n) => n === 3), tails).toBe(true);
    return result;
  }

  it("partition leaders' node killed under bursts: nothing acknowledged lost, nothing rejected yet written", async () => {
    const result = await run("partition leaders' node", { rate: 500, burst: 50, publishMany: true }, async () => {
      const { leader } = await quorum();
      const counts = new Map<number, number>();
      for (const p of await partitions('events')) counts.set(p.leader, (counts.get(p.leader) ?? 0) + 1);
      // The node leading most partitions, preferring one that is not also the quorum leader (the next case kills that).
      return [...counts.entries()].sort((a, b) => b[1] - a[1] || Number(a[0] === leader) - Number(b[0] === leader))[0]?.[0] ?? 1;
    });
    expect(result.lost).toBe(0);
    expect(result.rejectedButWritten).toBe(0);
    expect(result.rejected, JSON.stringify(result.rejections)).toBe(0);
    expect(result.acked).toBe(N);
    expect(result.longestStallMs).toBeLessThanOrEqual(STALL_BOUND_MS.partitionLeaders);
  }, 400_000);

  it('KRaft quorum leader killed, steady load: nothing acknowledged lost, nothing rejected yet written', async () => {
    const result = await run('quorum leader', { rate: 500, burst: 1, publishMany: false }, async () => (await quorum()).leader);
    expect(result.lost).toBe(0);
    expect(result.rejectedButWritten).toBe(0);
    expect(result.rejected, JSON.stringify(result.rejections)).toBe(0);
    expect(result.acked).toBe(N);
    expect(result.longestStallMs).toBeLessThanOrEqual(STALL_BOUND_MS.quorumLeader);
  }, 400_000);
});
