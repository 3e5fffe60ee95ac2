/**
 * CLUSTER: the generated prod Kafka files as a real 3-node KRaft cluster (Kafka jars on Java 17,
 * each node on its compose service name's loopback alias). The harness changes only what a
 * container provides: listener bind addresses (a container binds every interface; compose
 * publishes EXTERNAL on 127.0.0.1:9092/9192/9292), the data directory and the heap. The node's
 * entrypoint.sh, properties and create-topics.sh run as generated.
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

function kafkaNode(service: string): ClusterNode {
  const generated = project.read(`config/kafka/${service}.properties`);
  const config = join(home, service, 'server.properties');
  writeFile(config, remapLines(generated, { listeners: containerListeners(generated, service), 'log.dirs': join(home, service, 'data') }, '='));
  const env = { ...process.env, ...project.serviceEnv(service), KAFKA_HOME: home, KAFKA_CONFIG: config };
  return new ClusterNode(service, () => ({ command: 'bash', args: [join(project.root, 'config/kafka/entrypoint.sh')], env }), join(home, service, 'kafka.log'), 19092);
}

const bootstrap = SERVICES.map((s) => `${s}:19092`).join(',');

async function tool(name: string, args: string[]): Promise<string> {
  const r = await runTool(home, name, args);
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

async function waitWhole(): Promise<void> {
  const end = Date.now() + 120_000;
  for (;;) {
    const ok = (await quorum().catch(() => ({ voters: 0 }))).voters === 3 && (await partitions('events').catch(() => [])).every((p) => p.isr === 3);
    if (ok) return;
    if (Date.now() > end) throw new Error(`the Kafka cluster did not become whole again:\n${nodes.map((n) => `${n.service}:\n${n.tail(15)}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

beforeAll(async () => {
  await assertClusterNetwork(SERVICES);
  project = await generateClusterProject('kafka', specFor('hybrid', 'prod', { targets: ['compose'] }));
  fakeKafkaHome(home, (await kafkaClasspath()).classpath);
  nodes = SERVICES.map(kafkaNode);
  await startAll(nodes);
  mod = await importMessaging(project.root);
}, 300_000);

afterAll(async () => {
  await stopAll(nodes ?? []);
});

describe('CLUSTER Kafka: the generated prod files form a 3-node KRaft cluster', () => {
  it('has 3 voters, and create-topics.sh makes every topic with 3 in-sync replicas', async () => {
    await expect.poll(async () => (await quorum().catch(() => ({ voters: 0 }))).voters, { timeout: 60_000, interval: 1_000 }).toBe(3);
    const r = await runCommand('bash', [join(project.root, 'config/kafka/create-topics.sh')], { env: { KAFKA_HOME: home }, timeoutMs: 120_000 });
    expect(r.code, r.output).toBe(0);
    for (const topic of ['events', 'events.dlq']) {
      const parts = await partitions(topic);
      expect(parts.length).toBeGreaterThan(0);
      expect(parts.every((p) => p.isr === 3)).toBe(true);
    }
  }, 180_000);
});

describe('CLUSTER Kafka: a node killed mid-stream, generated client (acks=all, idempotent)', () => {
  const N = 10_000;
  const RATE = 500;

  async function run(name: string, pick: () => Promise<number>) {
    await waitWhole();
    const kafka = new mod.KafkaMessaging(mod.kafkaSettings(project.env), { log: () => undefined });
    let victim: ClusterNode | undefined;
    // The group reads from the earliest offset: only this case's ids count.
    const tag = `${name.replace(/\W+/g, '-')}-${Date.now()}-`;
    const result = await streamThroughFault({
      broker: 'kafka',
      total: N,
      ratePerSecond: RATE,
      stream: {
        publish: (n) => kafka.publish('events', { type: 'cluster.test', data: { n }, timestamp: new Date().toISOString() }, { id: `${tag}${n}` }),
        consume: (received) => kafka.consume('events', { group: `audit-${name.replace(/\W+/g, '-')}`, handler: ({ envelope }) => void (envelope.id.startsWith(tag) && received(Number(envelope.id.slice(tag.length)))) }),
      },
      fault: {
        name,
        atFraction: 1 / 3,
        downMs: 20_000,
        kill: async () => {
          const id = await pick();
          victim = nodes[id - 1];
          await victim?.kill();
        },
        restart: async () => {
          victim?.start();
          await victim?.waitReady();
        },
      },
    });
    await kafka.close();
    await waitWhole();
    return result;
  }

  it("partition leaders' node killed: nothing acknowledged lost, nothing rejected yet written", async () => {
    const result = await run("partition leaders' node", async () => {
      const { leader } = await quorum();
      const counts = new Map<number, number>();
      for (const p of await partitions('events')) counts.set(p.leader, (counts.get(p.leader) ?? 0) + 1);
      // The node leading most partitions, preferring one that is not also the quorum leader (the next case kills that).
      return [...counts.entries()].sort((a, b) => b[1] - a[1] || Number(a[0] === leader) - Number(b[0] === leader))[0]?.[0] ?? 1;
    });
    expect(result.lost).toBe(0);
    expect(result.rejectedButWritten).toBe(0);
    expect(result.acked + result.rejected).toBe(N);
    expect(result.longestStallMs).toBeLessThanOrEqual(15_000);
  }, 400_000);

  it('KRaft quorum leader killed: nothing acknowledged lost, nothing rejected yet written', async () => {
    const result = await run('quorum leader', async () => (await quorum()).leader);
    expect(result.lost).toBe(0);
    expect(result.rejectedButWritten).toBe(0);
    expect(result.acked + result.rejected).toBe(N);
    expect(result.longestStallMs).toBeLessThanOrEqual(15_000);
  }, 400_000);
});
