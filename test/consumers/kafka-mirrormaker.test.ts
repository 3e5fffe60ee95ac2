/**
 * MirrorMaker 2 against a prod Kafka primary, as generated: one prod node started from the generated
 * files (test/support/kafka-secure.ts: TLS everywhere, SCRAM users, ACLs), a second plain node
 * standing in for the DR cluster (PLAINTEXT: the DR side is the user's to secure), and MirrorMaker 2
 * (org.apache.kafka.connect.mirror.MirrorMaker, the connect-mirror jars pins.json names, cached by
 * test/support/kafka-mirror.ts) run with the generated backup/kafka/mirrormaker2.properties, only
 * the bootstrap addresses, TLS file paths and secrets folder adapted. It logs in as `mirrormaker`
 * with its password resolved by DirectoryConfigProvider from a file: the records produced on the
 * primary arrive on the DR topic of the same name with no ACL denial in its log; with a wrong
 * password file it fails to authenticate and copies nothing.
 * In the consumers suite rather than `npm test`: two brokers and MirrorMaker take about two minutes.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBackup } from '../../generators/brokers/kafka/backup.ts';
import { KAFKA_PRINCIPALS, passwordFileName } from '../../generators/brokers/kafka/security.ts';
import { tempDir } from '../support/cli.ts';
import { runTool } from '../support/kafka.ts';
import { fakeMirrorMaker, mirrorMakerJars } from '../support/kafka-mirror.ts';
import { endOffsets, loginConfig, produceRecords, startSecureKafka, totalOffsets as total, type SecureKafka } from '../support/kafka-secure.ts';
import { launch, portOpen, remapLines, sleep, waitFor, writeFile, type Launched } from '../support/launch.ts';

const PORTS = { internal: 28492, controller: 28493, external: 28494, replication: 28495 } as const;
/** The DR stand-in: a plain PLAINTEXT node. */
const DR = { client: 28496, controller: 28497 } as const;
const TOPIC = 'clickstream';
const RECORDS = 40;

const dir = tempDir('bp-kafka-mm2-');
let kafka: SecureKafka;
let adminConfig = '';
let dr: Launched | undefined;
const mirrors: Launched[] = [];
const tool = (name: string, args: readonly string[]) => runTool(kafka.home, name, args);

beforeAll(async () => {
  const jars = mirrorMakerJars(); // before the brokers: Maven needs the network, the rest does not
  kafka = await startSecureKafka(dir, PORTS);
  expect(kafka.init.code, kafka.init.output).toBe(0);
  fakeMirrorMaker(kafka.home, jars.libs);
  for (const f of kafkaBackup.files(kafka.spec)) writeFile(join(dir, f.path), f.contents);
  adminConfig = loginConfig(join(dir, 'admin.properties'), 'admin', kafka.passwords.admin ?? '', kafka.ca);
  await produceRecords(kafka.home, kafka.bootstrap, adminConfig, TOPIC, RECORDS);
}, 600_000);

afterAll(async () => {
  for (const m of mirrors) await m.stop();
  await dr?.stop();
  await kafka?.broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Kafka prod DR: MirrorMaker 2 with the generated config logs in as `mirrormaker` and mirrors to a DR cluster', () => {
  beforeAll(async () => {
    // The DR stand-in: a plain single KRaft node (not generated: the DR cluster is the user's).
    const props = join(dir, 'dr.properties');
    writeFile(
      props,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${DR.controller}`,
        `listeners=PLAINTEXT://127.0.0.1:${DR.client},CONTROLLER://127.0.0.1:${DR.controller}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${DR.client}`,
        'controller.listener.names=CONTROLLER',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'offsets.topic.replication.factor=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        `log.dirs=${join(dir, 'dr-data')}`,
        '',
      ].join('\n'),
    );
    const format = await tool('kafka-storage.sh', ['format', '--cluster-id', randomBytes(16).toString('base64url'), '--config', props]);
    expect(format.code, format.stderr).toBe(0);
    dr = launch('kafka-dr', join(kafka.home, 'bin', 'kafka-server-start.sh'), [props], { logFile: join(dir, 'dr.log') });
    await waitFor('DR listener', () => portOpen(DR.client), { timeoutMs: 120_000, process: dr, intervalMs: 250 });
  }, 600_000);

  /**
   * The generated mirrormaker2.properties with the bootstrap addresses, TLS paths and secrets folder
   * of this test; the folder holds MirrorMaker's password file only, as its compose service gets it.
   */
  const mmSecrets = join(dir, 'mm2-secrets');
  const mmPassword = (password: string) => writeFile(join(mmSecrets, passwordFileName(KAFKA_PRINCIPALS.mirrormaker)), password, 0o600);
  function mirrorConfig(): string {
    const generated = readFileSync(join(dir, 'backup', 'kafka', 'mirrormaker2.properties'), 'utf8');
    const text = remapLines(
      kafka.localPaths(generated).replaceAll(kafka.secrets, mmSecrets),
      { 'primary.bootstrap.servers': kafka.bootstrap, 'dr.bootstrap.servers': `127.0.0.1:${DR.client}` },
      '=',
    );
    const path = join(dir, 'mm2.properties');
    writeFile(path, text);
    return path;
  }

  function startMirror(name: string, config: string): Launched {
    const m = launch(name, join(kafka.home, 'bin', 'connect-mirror-maker.sh'), [config], { logFile: join(dir, `${name}.log`) });
    mirrors.push(m);
    return m;
  }

  const drRecords = async () => total(await endOffsets(kafka.home, `127.0.0.1:${DR.client}`, undefined, TOPIC));

  it('the generated config holds no password: the jaas config names a DirectoryConfigProvider file', () => {
    const generated = readFileSync(join(dir, 'backup', 'kafka', 'mirrormaker2.properties'), 'utf8');
    for (const p of Object.values(kafka.passwords)) expect(generated).not.toContain(p);
    expect(generated).toContain(`\${directory:/run/secrets:${passwordFileName(KAFKA_PRINCIPALS.mirrormaker)}}`);
  });

  it('a wrong mirrormaker password: MirrorMaker fails to authenticate and copies nothing', async () => {
    mmPassword(randomBytes(24).toString('base64url'));
    const m = startMirror('mm2-wrong', mirrorConfig());
    const failed = () => /Authentication failed|SaslAuthenticationException/.test(readFileSync(m.logFile, 'utf8'));
    await waitFor('an authentication failure in the MirrorMaker log', async () => failed(), { timeoutMs: 120_000, intervalMs: 500 });
    await sleep(3_000);
    expect(await drRecords()).toBe(0);
    await m.stop();
  }, 180_000);

  it('the right password: the records on the secure primary arrive on the DR topic of the same name, with no ACL denial', async () => {
    const expected = total(await endOffsets(kafka.home, kafka.bootstrap, adminConfig, TOPIC));
    expect(expected).toBe(RECORDS);
    mmPassword(kafka.passwords.mirrormaker ?? '');
    const m = startMirror('mm2', mirrorConfig());
    let got = 0;
    const started = Date.now();
    await waitFor(`${expected} records mirrored to the DR topic ${TOPIC}`, async () => (got = await drRecords()) >= expected, { timeoutMs: 180_000, process: m, intervalMs: 2_000 });
    process.stderr.write(`MirrorMaker: ${got} records on the DR cluster after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    expect(got).toBe(expected);
    const log = readFileSync(m.logFile, 'utf8');
    expect(log.match(/.*(Authentication failed|SaslAuthenticationException|AuthorizationException|AUTHORIZATION_FAILED|Not authorized).*/g) ?? []).toEqual([]);
  }, 240_000);
});
