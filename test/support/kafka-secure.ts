/**
 * One prod Kafka node started from a prod stack's generated files, for the real-broker security
 * tests (kafka-security.test.ts, kafka-backup-security.test.ts): server.properties, entrypoint.sh
 * (storage format with the SCRAM users from password files) and create-topics.sh (topics and ACLs as
 * admin over SASL_SSL), with the CA and node certificate issued as a first prod run issues them.
 * Adapted for the test only: listener addresses and ports (127.0.0.1; INTERNAL on every loopback
 * address so that a name outside the certificate can be dialled), log.dirs, and where the TLS files
 * and password files live. Each test file passes its own port block.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { KAFKA_PRINCIPALS, passwordFileName } from '../../generators/brokers/kafka/security.ts';
import { composeArea } from '../../generators/emit/compose.ts';
import { TLS_DIR } from '../../generators/emit/tls-model.ts';
import { tlsMaterial } from '../../generators/emit/tls-files.ts';
import { x509Issuer } from '../../generators/emit/tls-issuer.ts';
import { caName, composeCertificates } from '../../generators/emit/tls.ts';
import type { StackSpec } from '../../generators/stack/index.ts';
import { runCommand, type RunResult } from './cli.ts';
import { fakeKafkaHome, kafkaClasspath, runTool } from './kafka.ts';
import { launch, portOpen, remapLines, waitFor, writeFile, type Launched } from './launch.ts';
import { composeDocument, fileOf, specFor } from './stack.ts';

export interface KafkaPorts {
  readonly internal: number;
  readonly controller: number;
  readonly external: number;
  readonly replication: number;
}

/** analytics-pipeline prod on one node (RF 1): clickstream + page-metrics, each with its dead-letter topic. */
export function secureSpec(): StackSpec {
  return specFor('analytics-pipeline', 'prod', {
    name: 'secure',
    targets: ['compose'],
    edit: (raw) => {
      const k = raw.brokers.kafka;
      if (k) k.prod = { ...k.prod, nodes: 1, replicationFactor: 1, minInsyncReplicas: 1 };
      for (const c of raw.channels) if (c.broker === 'kafka') delete (c as { replicationFactor?: number }).replicationFactor;
    },
  });
}

export interface SecureKafka {
  readonly spec: StackSpec;
  /** The generated compose project's files by path. */
  readonly files: Map<string, string>;
  readonly dir: string;
  /** The stand-in KAFKA_HOME (bin/kafka-*.sh over the cached jars). */
  readonly home: string;
  readonly tls: string;
  /** The password files, one per principal (KAFKA_SECRETS_DIR). */
  readonly secrets: string;
  readonly passwords: Readonly<Record<string, string>>;
  readonly bootstrap: string;
  readonly ca: string;
  readonly broker: Launched;
  /** create-topics.sh's run. */
  readonly init: RunResult;
  /** The paths of the generated files rewritten for this test (the CA and node PEM under `tls/node/`, the secrets folder). */
  readonly localPaths: (text: string) => string;
}

/** Issues the TLS material, writes the password files, starts the node and runs create-topics.sh. */
export async function startSecureKafka(dir: string, ports: KafkaPorts, spec = secureSpec()): Promise<SecureKafka> {
  const home = join(dir, 'kafka-home');
  const tls = join(dir, 'tls');
  const secrets = join(dir, 'secrets');
  const passwords = Object.fromEntries(Object.values(KAFKA_PRINCIPALS).map((p) => [p.user, randomBytes(24).toString('base64url')]));
  const files = new Map(composeArea.emit(spec).files.map((f) => [f.path, f.contents]));
  const requests = composeCertificates(spec);
  expect(requests.map((r) => r.name)).toEqual(['kafka']);
  const material = await tlsMaterial({ requests, caName: caName(spec), read: () => undefined, rotate: 'none', now: new Date(), loadIssuer: x509Issuer });
  for (const f of material.files) writeFile(join(tls, f.path.slice(TLS_DIR.length + 1)), f.contents);
  const ca = join(tls, 'ca.crt');
  writeFile(join(tls, 'node', 'tls.pem'), readFileSync(join(tls, 'kafka.pem'), 'utf8'));
  writeFile(join(tls, 'node', 'ca.crt'), readFileSync(ca, 'utf8'));
  for (const p of Object.values(KAFKA_PRINCIPALS)) writeFile(join(secrets, passwordFileName(p)), passwords[p.user] ?? '');

  const localPaths = (text: string) => text.replaceAll('/etc/brokerplate/tls/', `${join(tls, 'node')}/`).replaceAll('/run/secrets', secrets);
  const props = remapLines(
    localPaths(fileOf(files, 'config/kafka/kafka.properties')),
    {
      listeners: `INTERNAL://0.0.0.0:${ports.internal},REPLICATION://127.0.0.1:${ports.replication},EXTERNAL://127.0.0.1:${ports.external},CONTROLLER://127.0.0.1:${ports.controller}`,
      'advertised.listeners': `INTERNAL://127.0.0.1:${ports.internal},REPLICATION://127.0.0.1:${ports.replication},EXTERNAL://127.0.0.1:${ports.external}`,
      'controller.quorum.voters': `1@127.0.0.1:${ports.controller}`,
      'log.dirs': join(dir, 'data'),
    },
    '=',
  );
  writeFile(join(dir, 'server.properties'), props);
  writeFile(join(dir, 'node-client.properties'), localPaths(fileOf(files, 'config/kafka/node-client.properties')));
  writeFile(join(dir, 'entrypoint.sh'), fileOf(files, 'config/kafka/entrypoint.sh'));
  writeFile(join(dir, 'create-topics.sh'), fileOf(files, 'config/kafka/create-topics.sh'));
  fakeKafkaHome(home, (await kafkaClasspath()).classpath);
  const clusterId = composeDocument(files).services.kafka?.environment?.KAFKA_CLUSTER_ID ?? '';
  const broker = launch('kafka', 'bash', [join(dir, 'entrypoint.sh')], {
    env: { ...process.env, KAFKA_HOME: home, KAFKA_CONFIG: join(dir, 'server.properties'), KAFKA_CLUSTER_ID: clusterId, KAFKA_SECRETS_DIR: secrets },
    logFile: join(dir, 'kafka.log'),
  });
  const bootstrap = `127.0.0.1:${ports.internal}`;
  await waitFor('kafka listener', () => portOpen(ports.internal), { timeoutMs: 120_000, process: broker, intervalMs: 250 });
  const init = await runCommand('bash', [join(dir, 'create-topics.sh')], {
    env: { ...(process.env as Record<string, string>), KAFKA_HOME: home, KAFKA_BOOTSTRAP: bootstrap, KAFKA_SECRETS_DIR: secrets, KAFKA_CA_FILE: ca },
    timeoutMs: 240_000,
  });
  return { spec, files, dir, home, tls, secrets, passwords, bootstrap, ca, broker, init, localPaths };
}

/** Writes a client config (0600) logging in as `user` over SASL_SSL with the stack's CA: the tests' own, for setting up and checking. */
export function loginConfig(path: string, user: string, password: string, ca: string): string {
  writeFile(
    path,
    [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${ca}`,
      '',
    ].join('\n'),
    0o600,
  );
  return path;
}

/** A topic's end offsets as sorted `topic,partition,offset` lines (GetOffsetShell prints `topic:partition:offset`); [] when it fails (e.g. no such topic). */
export async function endOffsets(home: string, bootstrap: string, config: string | undefined, topic: string): Promise<string[]> {
  const r = await runTool(home, 'kafka-get-offsets.sh', ['--bootstrap-server', bootstrap, ...(config ? ['--command-config', config] : []), '--topic', topic]);
  if (r.code !== 0) return [];
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => l.replaceAll(':', ',')).sort();
}

/** The number of records in `topic,partition,offset` lines (offsets from 0). */
export const totalOffsets = (lines: readonly string[]): number => lines.reduce((n, l) => n + Number(l.split(',')[2]), 0);

/** Produces `count` records (32 bytes each) to a topic as the user `config` logs in as. */
export async function produceRecords(home: string, bootstrap: string, config: string, topic: string, count: number): Promise<void> {
  const r = await runTool(home, 'kafka-producer-perf-test.sh', ['--topic', topic, '--num-records', String(count), '--record-size', '32', '--throughput', '-1', '--producer.config', config, '--producer-props', `bootstrap.servers=${bootstrap}`, 'acks=all']);
  expect(r.code, r.stderr).toBe(0);
}
