/**
 * Kafka prod security on a real broker (Kafka 4.4 jars on Java 17): a one-node prod stack's
 * generated server.properties, entrypoint.sh (storage format with the SCRAM users from password
 * files) and create-topics.sh (topics + ACLs as admin over SASL_SSL), with the CA and node
 * certificate issued as a first prod run issues them. Adapted for the test only: listener
 * addresses and ports (127.0.0.1; INTERNAL on every loopback address so that a name outside the
 * certificate can be dialled), log.dirs, and where the TLS files and password files live.
 *
 * Then: what must be refused is refused (plaintext, no credentials, wrong password, a host name the
 * certificate does not name, a node listener without a client certificate), the generated client
 * exchanges messages over SASL_SSL, and each principal's ACLs allow its job and deny the rest.
 */
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaAcls } from '../../generators/brokers/kafka/acl.ts';
import { kafkaTopics } from '../../generators/brokers/kafka/config.ts';
import { importMessaging, type MessagingModule } from '../clients/api.ts';
import { generateProject } from '../clients/support.ts';
import { tempDir } from '../support/cli.ts';
import { runTool } from '../support/kafka.ts';
import { secureSpec, startSecureKafka, type SecureKafka } from '../support/kafka-secure.ts';
import { writeFile } from '../support/launch.ts';

const PORTS = { internal: 28292, controller: 28293, external: 28294, replication: 28295 } as const;
const BOOTSTRAP = `127.0.0.1:${PORTS.internal}`;

/** analytics-pipeline prod on one node (RF 1): clickstream + page-metrics, each with its dead-letter topic. */
const spec = secureSpec();
const TOPICS = kafkaTopics(spec).map((t) => t.name);
const GROUP = kafkaAcls(spec).find((g) => g.principal === 'app' && g.type === 'group' && g.pattern === 'literal')?.names[0] ?? '';
const OTHER = 'another-team.events';

const dir = tempDir('bp-kafka-sec-');
let kafka: SecureKafka | undefined;
let home = '';
let tls = '';
let passwords: Readonly<Record<string, string>> = {};
let root: string;
let mod: MessagingModule;

interface Closable { close(force?: boolean): Promise<void> }
interface RawKafka {
  Admin: new (o: Record<string, unknown>) => Closable & {
    listTopics(o?: Record<string, unknown>): Promise<string[]>;
    createTopics(o: Record<string, unknown>): Promise<unknown>;
    deleteTopics(o: { topics: string[] }): Promise<void>;
    listConsumerGroupOffsets(o: { groups: string[] }): Promise<unknown>;
  };
  Producer: new (o: Record<string, unknown>) => Closable & { send(o: { messages: Array<Record<string, unknown>> }): Promise<unknown> };
  Consumer: new (o: Record<string, unknown>) => Closable & { consume(o: Record<string, unknown>): Promise<{ on(e: 'data', cb: (m: { value: string }) => void): void; close(): Promise<void> }> };
  stringSerializers: unknown;
  stringDeserializers: unknown;
}
let raw: RawKafka;

const ca = () => readFileSync(join(tls, 'ca.crt'), 'utf8');
/** Raw client options as a principal (or none), TLS with the stack's CA unless `plaintext`. */
function as(user: string | undefined, o: { password?: string; host?: string; plaintext?: boolean; retries?: number } = {}): Record<string, unknown> {
  return {
    clientId: `sec-${user ?? 'anonymous'}`,
    bootstrapBrokers: [`${o.host ?? '127.0.0.1'}:${PORTS.internal}`],
    // Retries ride out a coordinator still loading (a retriable error); an authorization failure is not retried.
    retries: o.retries ?? 5,
    retryDelay: 500,
    connectTimeout: 5_000,
    timeout: 10_000,
    ...(!o.plaintext && { tls: { ca: ca() } }),
    ...(user && { sasl: { mechanism: 'SCRAM-SHA-512', username: user, password: o.password ?? passwords[user] } }),
  };
}

function json(e: unknown): string {
  try {
    return JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  } catch {
    return '';
  }
}

/** The whole error (message, cause, nested errors) as text. */
function errorText(e: unknown, depth = 0): string {
  if (depth > 4 || e === null || typeof e !== 'object') return String(e);
  const o = e as { message?: string; code?: string; cause?: unknown; errors?: unknown };
  const nested = Array.isArray(o.errors) ? o.errors : o.errors && typeof o.errors === 'object' ? Object.values(o.errors) : [];
  return [o.code, o.message, ...(o.cause ? [errorText(o.cause, depth + 1)] : []), ...nested.map((n) => errorText(n, depth + 1)), json(e)].filter(Boolean).join(' | ');
}

/** Runs `work` with a client and closes it; resolves with 'ok' or the error text. */
async function attempt<C extends Closable>(client: C, work: (c: C) => Promise<unknown>, force = false): Promise<string> {
  try {
    await work(client);
    return 'ok';
  } catch (e) {
    if (process.env.SHOW_DENIALS) process.stderr.write(`DENIAL ${errorText(e).slice(0, 400)}\n`);
    return errorText(e);
  } finally {
    // Only the consumer's close takes `force`; the others take an optional callback.
    await (force ? client.close(true) : client.close()).catch(() => undefined);
  }
}

const produce = (user: string, topic: string) => attempt(new raw.Producer({ ...as(user), serializers: raw.stringSerializers }), (p) => p.send({ messages: [{ topic, key: 'k', value: JSON.stringify({ by: user }) }] }));

/** Consumes `topic` from the start in `group` until one record arrives (or 15 s pass). */
async function consume(user: string, topic: string, group: string): Promise<string> {
  return attempt(new raw.Consumer({ ...as(user), groupId: group, deserializers: raw.stringDeserializers, maxWaitTime: 300 }), async (c) => {
    const stream = await c.consume({ topics: [topic], autocommit: false, mode: 'earliest', fallbackMode: 'earliest' });
    let got = 0;
    let failure: unknown;
    stream.on('data', () => void got++);
    (stream as unknown as { on(e: 'error', cb: (e: unknown) => void): void }).on('error', (e) => void (failure = e));
    for (const end = Date.now() + 15_000; got === 0 && failure === undefined && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
    await stream.close().catch(() => undefined);
    if (failure !== undefined) throw failure;
    if (got === 0) throw new Error('no record within 15 s');
  }, true);
}
const admin = (user: string, work: (a: InstanceType<RawKafka['Admin']>) => Promise<unknown>) => attempt(new raw.Admin(as(user)), work);

beforeAll(async () => {
  const [started, project] = await Promise.all([startSecureKafka(dir, PORTS, spec), generateProject('kafka-secure', spec)]);
  kafka = started;
  ({ home, tls, passwords } = started);
  root = project;
  raw = (await import(pathToFileURL(createRequire(join(root, 'package.json')).resolve('@platformatic/kafka')).href)) as RawKafka;
  mod = await importMessaging(root);
}, 420_000);

afterAll(async () => {
  await kafka?.broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Kafka prod on a real broker: the generated config starts with TLS everywhere, SCRAM users and ACLs', () => {
  it('the entrypoint formatted the storage with the SCRAM users; create-topics.sh made the topics and ACLs as admin over SASL_SSL', async () => {
    const log = readFileSync(kafka?.broker.logFile ?? '', 'utf8');
    expect(log).toMatch(/Formatting .*metadata\.version/);
    expect(kafka?.init.code, kafka?.init.output).toBe(0);
    expect(kafka?.init.output).toContain('acl app');
    const listed = await admin('admin', (a) => a.listTopics().then((t) => expect(t.sort()).toEqual(expect.arrayContaining(TOPICS))));
    expect(listed).toBe('ok');
  });

  it('the listeners are what the generated file says: SSL for controller and replication, SASL_SSL for clients, StandardAuthorizer', () => {
    const log = readFileSync(kafka?.broker.logFile ?? '', 'utf8');
    expect(log).toMatch(/listener\.security\.protocol\.map = CONTROLLER:SSL,EXTERNAL:SASL_SSL,INTERNAL:SASL_SSL,REPLICATION:SSL/);
    expect(log).toMatch(/authorizer\.class\.name = org\.apache\.kafka\.metadata\.authorizer\.StandardAuthorizer/);
  });
});

describe('Kafka prod: refused without the right credentials or certificate', () => {
  it('a plaintext client on the client port is refused', async () => {
    const r = await admin('app', (a) => a.listTopics());
    expect(r).toBe('ok'); // the same principal over TLS: the port answers
    const plain = await attempt(new raw.Admin(as('app', { plaintext: true, retries: 0 })), (a) => a.listTopics());
    expect(plain).toMatch(/Connection closed|ECONNRESET/);
  });

  it('no credentials: refused', async () => {
    const r = await attempt(new raw.Admin(as(undefined, { retries: 0 })), (a) => a.listTopics());
    // The SASL_SSL listener takes nothing but a SASL handshake: it closes the connection.
    expect(r).toMatch(/Connection closed|ECONNRESET/);
  });

  it('a wrong password: refused with an authentication error', async () => {
    const r = await attempt(new raw.Admin(as('app', { password: `${passwords.app}x`, retries: 0 })), (a) => a.listTopics());
    expect(r).toMatch(/SASL authentication failed/);
  });

  it('a host name the certificate does not name (127.0.0.2): the client refuses the broker', async () => {
    const r = await attempt(new raw.Admin(as('app', { host: '127.0.0.2', retries: 0 })), (a) => a.listTopics());
    expect(r).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID|altnames|does not match/i);
  });

  it('the mutual-TLS replication listener: the node certificate (compose healthcheck) passes, a client without one is refused', async () => {
    const ok = await runTool(home, 'kafka-broker-api-versions.sh', ['--bootstrap-server', `localhost:${PORTS.replication}`, '--command-config', join(dir, 'node-client.properties')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/ApiVersions/);
    const noCert = join(dir, 'no-cert.properties');
    writeFile(noCert, `security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location=${join(tls, 'ca.crt')}\n`);
    const refused = await runTool(home, 'kafka-broker-api-versions.sh', ['--bootstrap-server', `localhost:${PORTS.replication}`, '--command-config', noCert]);
    expect(refused.code).not.toBe(0);
  }, 120_000);
});

describe('Kafka prod: the generated client over SASL_SSL (KAFKA_CA_FILE, KAFKA_SASL_USERNAME/PASSWORD from .env)', () => {
  it('publishes and consumes a message with the app user', async () => {
    const settings = mod.kafkaSettings({ KAFKA_BROKERS: BOOTSTRAP, KAFKA_SASL_USERNAME: 'app', KAFKA_SASL_PASSWORD: passwords.app, KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_CA_FILE: join(tls, 'ca.crt'), MESSAGING_CLIENT_ID: 'secure-client' });
    expect(settings.tls).toBe(true);
    const kafka = new mod.KafkaMessaging(settings, { log: () => undefined });
    const tag = `sec-${Date.now()}`;
    const got: string[] = [];
    try {
      const sub = await kafka.consume('clickstream', { group: GROUP, from: 'latest', handler: (r) => void (r.envelope.correlationId === tag && got.push(r.envelope.id)) });
      const sent = await kafka.publishMany('clickstream', [1, 2, 3].map((i) => ({ userId: `u${i}`, event: 'click', page: `/p/${i}`, timestamp: new Date().toISOString() })), { correlationId: tag });
      for (const end = Date.now() + 30_000; got.length < sent.length && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
      await sub.close();
      expect(got.sort()).toEqual(sent.map((e) => e.id).sort());
    } finally {
      await kafka.close();
    }
  }, 90_000);
});

describe('Kafka prod: the ACL matrix (each allowed action succeeds, a forbidden one is denied)', () => {
  /** Kafka's TOPIC_/GROUP_/CLUSTER_AUTHORIZATION_FAILED as the client reports them. */
  const DENIED = /(Topic|Group|Cluster) authorization failed/;

  beforeAll(async () => {
    // A topic outside the stack's channels (another team's), created by admin.
    expect(await admin('admin', (a) => a.createTopics({ topics: [OTHER], partitions: 1, replicas: 1 }))).toBe('ok');
    expect(await produce('admin', OTHER)).toBe('ok');
    expect(await produce('app', 'clickstream')).toBe('ok');
  }, 120_000);

  it('app: produces to and consumes from its topics (and dead-letter topics) in its group', async () => {
    expect(await produce('app', 'clickstream.dlq')).toBe('ok');
    expect(await consume('app', 'clickstream', GROUP)).toBe('ok');
  }, 60_000);

  it('app: cannot create or delete topics, nor read or write a topic outside its channels, nor use a group it was not given', async () => {
    expect(await admin('app', (a) => a.createTopics({ topics: ['app-made'], partitions: 1, replicas: 1 }))).toMatch(DENIED);
    expect(await admin('app', (a) => a.deleteTopics({ topics: ['clickstream'] }))).toMatch(DENIED);
    expect(await produce('app', OTHER)).toMatch(DENIED);
    expect(await consume('app', OTHER, GROUP)).toMatch(DENIED);
    expect(await consume('app', 'clickstream', 'not-a-spec-group')).toMatch(DENIED);
  }, 120_000);

  it('monitor: describes topics and group offsets, cannot read or write', async () => {
    expect(await admin('monitor', (a) => a.listTopics().then((t) => expect(t).toEqual(expect.arrayContaining([...TOPICS, OTHER]))))).toBe('ok');
    expect(await admin('monitor', (a) => a.listConsumerGroupOffsets({ groups: [GROUP] }))).toBe('ok');
    expect(await produce('monitor', 'clickstream')).toMatch(DENIED);
    expect(await consume('monitor', 'clickstream', 'backup-monitor')).toMatch(DENIED);
  }, 120_000);

  it('backup: reads the stack\'s topics in its own group, cannot write or delete', async () => {
    expect(await consume('backup', 'clickstream', 'backup-export')).toBe('ok');
    expect(await produce('backup', 'clickstream')).toMatch(DENIED);
    expect(await admin('backup', (a) => a.deleteTopics({ topics: ['clickstream'] }))).toMatch(DENIED);
    expect(await consume('backup', OTHER, 'backup-export')).toMatch(DENIED);
  }, 120_000);
});
