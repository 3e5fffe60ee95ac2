/**
 * A real Kafka 4.x broker (the jars of scripts/brokers, on this machine's Java) starts from the
 * generated dev server.properties through the generated entrypoint (storage format + start), and
 * the generated topic script creates the spec's topics. Adapted for the test only: listener
 * addresses/ports (own 127.0.0.1 ports instead of container names) and log.dirs; everything else
 * is the generated file as compose mounts it.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaTopics } from '../../generators/brokers/kafka/config.ts';
import { runCommand, tempDir } from '../support/cli.ts';
import { fakeKafkaHome, kafkaClasspath, runTool } from '../support/kafka.ts';
import { launch, portOpen, remapLines, waitFor, writeFile, type Launched } from '../support/launch.ts';
import { composeDocument, composeOutput, fileOf, specFor } from '../support/stack.ts';

// Below the ephemeral port range (32768+), so an outgoing connection of another process never holds one.
const PORTS = { internal: 28192, controller: 28193, external: 28194 } as const;
const BOOTSTRAP = `127.0.0.1:${PORTS.internal}`;

// clickstream (delete) + page-metrics (compact), each with its dead-letter topic.
const dev = specFor('analytics-pipeline', 'dev');
const devFiles = composeOutput(dev);
const prod = specFor('analytics-pipeline', 'prod');
const prodFiles = composeOutput(prod);

const dir = tempDir('bp-kafka-');
const home = join(dir, 'kafka-home');
let broker: Launched | undefined;
let topicsRun: Awaited<ReturnType<typeof runCommand>>;
let clusterId = '';

function scriptEnv(): NodeJS.ProcessEnv {
  return { ...process.env, KAFKA_HOME: home, KAFKA_BOOTSTRAP: BOOTSTRAP };
}

beforeAll(async () => {
  fakeKafkaHome(home, (await kafkaClasspath()).classpath);
  const props = remapLines(
    fileOf(devFiles, 'config/kafka/kafka.properties'),
    {
      listeners: `INTERNAL://127.0.0.1:${PORTS.internal},EXTERNAL://127.0.0.1:${PORTS.external},CONTROLLER://127.0.0.1:${PORTS.controller}`,
      'advertised.listeners': `INTERNAL://127.0.0.1:${PORTS.internal},EXTERNAL://127.0.0.1:${PORTS.external}`,
      'controller.quorum.voters': `1@127.0.0.1:${PORTS.controller}`,
      'log.dirs': join(dir, 'data'),
    },
    '=',
  );
  writeFile(join(dir, 'server.properties'), props);
  writeFile(join(dir, 'entrypoint.sh'), fileOf(devFiles, 'config/kafka/entrypoint.sh'));
  writeFile(join(dir, 'create-topics.sh'), fileOf(devFiles, 'config/kafka/create-topics.sh'));
  clusterId = composeDocument(devFiles).services.kafka?.environment?.KAFKA_CLUSTER_ID ?? '';
  expect(clusterId).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  broker = launch('kafka', 'bash', [join(dir, 'entrypoint.sh')], {
    env: { ...process.env, KAFKA_HOME: home, KAFKA_CONFIG: join(dir, 'server.properties'), KAFKA_CLUSTER_ID: clusterId },
    logFile: join(dir, 'kafka.log'),
  });
  await waitFor('kafka listener', () => portOpen(PORTS.internal), { timeoutMs: 90_000, process: broker, intervalMs: 250 });
  topicsRun = await runCommand('bash', [join(dir, 'create-topics.sh')], { env: scriptEnv() as Record<string, string>, timeoutMs: 120_000 });
}, 240_000);

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** `kafka-topics.sh --describe` summary lines: name → partitions, replication factor, configs. */
function parseDescribe(out: string): Map<string, { partitions: number; rf: number; configs: Record<string, string> }> {
  const topics = new Map<string, { partitions: number; rf: number; configs: Record<string, string> }>();
  for (const line of out.split('\n')) {
    const m = /^Topic:\s*(\S+)\s.*PartitionCount:\s*(\d+)\s+ReplicationFactor:\s*(\d+)\s+Configs:\s*(.*)$/.exec(line.trim());
    if (!m?.[1]) continue;
    const configs = Object.fromEntries((m[4] ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
    topics.set(m[1], { partitions: Number(m[2]), rf: Number(m[3]), configs });
  }
  return topics;
}

describe('Kafka dev: the generated server.properties, entrypoint and topic script on a real broker', () => {
  it('the entrypoint formatted the storage with the cluster id and started a KRaft broker+controller', () => {
    const log = readFileSync(broker?.logFile ?? '', 'utf8');
    expect(log).toMatch(/Formatting .*metadata\.version/);
    expect(log).toMatch(/process\.roles = \[broker, controller\]/);
    const meta = readFileSync(join(dir, 'data', 'meta.properties'), 'utf8');
    expect(meta).toContain(`cluster.id=${clusterId}`);
    expect(topicsRun.code, topicsRun.stderr).toBe(0);
  });

  it('creates every spec topic and dead-letter topic with the declared partitions, replication, retention and cleanup policy', async () => {
    const described = await runTool(home, 'kafka-topics.sh', ['--bootstrap-server', BOOTSTRAP, '--describe', '--exclude-internal']);
    expect(described.code, described.stderr).toBe(0);
    const live = parseDescribe(described.stdout);
    const expected = kafkaTopics(dev);
    expect([...live.keys()].sort()).toEqual(expected.map((t) => t.name).sort());
    expect(expected.map((t) => t.name)).toEqual(['clickstream', 'clickstream.dlq', 'page-metrics', 'page-metrics.dlq']);
    for (const t of expected) {
      const l = live.get(t.name);
      expect(l?.partitions, t.name).toBe(3);
      expect(l?.rf, t.name).toBe(1);
      expect(l?.configs, t.name).toMatchObject(t.configs);
    }
    expect(live.get('clickstream')?.configs).toMatchObject({ 'cleanup.policy': 'delete', 'retention.ms': String(7 * 86_400_000) });
    expect(live.get('page-metrics')?.configs).toMatchObject({ 'cleanup.policy': 'compact', 'retention.ms': String(30 * 86_400_000) });
    expect(live.get('page-metrics.dlq')?.configs).toMatchObject({ 'cleanup.policy': 'delete' });
  });

  it('the broker runs with the generated durability settings (read back from the broker)', async () => {
    const r = await runTool(home, 'kafka-configs.sh', ['--bootstrap-server', BOOTSTRAP, '--describe', '--entity-type', 'brokers', '--entity-name', '1', '--all']);
    expect(r.code, r.stderr).toBe(0);
    const effective = Object.fromEntries([...r.stdout.matchAll(/^\s*([a-z0-9.]+)=(\S*) sensitive=/gm)].map((m) => [m[1], m[2]]));
    expect(effective).toMatchObject({
      'auto.create.topics.enable': 'false',
      'unclean.leader.election.enable': 'false',
      'default.replication.factor': '1',
      'min.insync.replicas': '1',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'num.partitions': '3',
    });
  });

  it('the topic script is safe to run again', async () => {
    const again = await runCommand('bash', [join(dir, 'create-topics.sh')], { env: scriptEnv() as Record<string, string>, timeoutMs: 170_000 });
    expect(again.code, again.stderr).toBe(0);
  }, 180_000); // a kafka-topics.sh JVM per topic: slow on loaded cores
});

describe('Kafka prod: three KRaft nodes with durable settings', () => {
  const nodes = ['kafka-1', 'kafka-2', 'kafka-3'];

  it('every node carries RF 3, min ISR 2 (internal topics too) and no unclean leader election', () => {
    for (const [i, node] of nodes.entries()) {
      const props = fileOf(prodFiles, `config/kafka/${node}.properties`);
      const kv = Object.fromEntries(props.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      expect(kv).toMatchObject({
        'process.roles': 'broker,controller',
        'node.id': String(i + 1),
        'controller.quorum.voters': '1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093',
        'default.replication.factor': '3',
        'min.insync.replicas': '2',
        'offsets.topic.replication.factor': '3',
        'transaction.state.log.replication.factor': '3',
        'transaction.state.log.min.isr': '2',
        'unclean.leader.election.enable': 'false',
        'auto.create.topics.enable': 'false',
        'advertised.listeners': `INTERNAL://${node}:19092,REPLICATION://${node}:19093,EXTERNAL://127.0.0.1:${9092 + 100 * i}`,
        'listener.security.protocol.map': 'CONTROLLER:SSL,EXTERNAL:SASL_SSL,INTERNAL:SASL_SSL,REPLICATION:SSL',
        'inter.broker.listener.name': 'REPLICATION',
        'super.users': 'User:CN=kafka-1;User:CN=kafka-2;User:CN=kafka-3;User:admin',
      });
    }
    for (const t of kafkaTopics(prod)) expect([t.name, t.replicationFactor, t.configs['min.insync.replicas']]).toEqual([t.name, 3, '2']);
  });

  it('passwords reach the containers as compose secrets (files), never as environment variables; kafka-init gets admin\'s and the CA only', () => {
    const doc = composeDocument(prodFiles);
    for (const node of nodes) {
      const svc = doc.services[node];
      expect((svc?.secrets ?? []).map((r) => (typeof r === 'string' ? r : r.source))).toEqual(['kafka_sasl_password', 'kafka_admin_password', 'kafka_monitor_password', 'kafka_backup_password', 'kafka_mirrormaker_password']);
      expect(Object.keys(svc?.environment ?? {}).filter((k) => /PASSWORD/.test(k))).toEqual([]);
      expect(JSON.stringify(svc?.healthcheck?.test)).toContain('--command-config /etc/kafka/brokerplate/node-client.properties');
    }
    const init = doc.services['kafka-init'];
    expect((init?.secrets ?? []).map((r) => (typeof r === 'string' ? r : r.source))).toEqual(['kafka_admin_password']);
    expect(init?.volumes?.map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`))).toContain('./secrets/tls/ca.crt:/etc/brokerplate/tls/ca.crt');
    expect(Object.keys(doc.secrets ?? {})).toEqual(expect.arrayContaining(['kafka_sasl_password', 'kafka_admin_password']));
    // dev: no secrets, PLAINTEXT.
    expect(composeDocument(devFiles).services.kafka?.secrets).toBeUndefined();
    expect(fileOf(devFiles, 'config/kafka/kafka.properties')).toMatch(/^listener\.security\.protocol\.map=CONTROLLER:PLAINTEXT,EXTERNAL:PLAINTEXT,INTERNAL:PLAINTEXT$/m);
  });

  it("Kafka's own config validation accepts each prod node's properties (storage format, log.dirs remapped)", async () => {
    const clusterId = composeDocument(prodFiles).services['kafka-1']?.environment?.KAFKA_CLUSTER_ID ?? '';
    expect(new Set(nodes.map((n) => composeDocument(prodFiles).services[n]?.environment?.KAFKA_CLUSTER_ID))).toEqual(new Set([clusterId]));
    const results = await Promise.all(
      nodes.map((node) => {
        const file = join(dir, `${node}.properties`);
        writeFile(file, remapLines(fileOf(prodFiles, `config/kafka/${node}.properties`), { 'log.dirs': join(dir, `${node}-data`) }, '='));
        return runTool(home, 'kafka-storage.sh', ['format', '--cluster-id', clusterId, '--config', file]);
      }),
    );
    for (const [i, r] of results.entries()) {
      expect(r.code, `${nodes[i]}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/Formatting .*metadata\.version/);
    }
  });
});
