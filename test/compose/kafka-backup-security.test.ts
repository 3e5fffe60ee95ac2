/**
 * Kafka prod backup on a real broker, as generated (Kafka 4.4 jars on Java 17): one prod node
 * started from the generated files (test/support/kafka-secure.ts: TLS everywhere, SCRAM users, ACLs),
 * then
 * - backup/kafka/backup.sh logs in as `backup` and exports the topics, their configs and a group's
 *   committed offsets; with a wrong password it fails and leaves no backup;
 * - a failed group listing or offset reset (the tool exits 0 on both) fails the scripts;
 * - restore-offsets.sh logs in as `admin` and puts the group back to the exported offsets (`backup`
 *   itself may not move a group's offsets);
 * - the same tools without a login are refused.
 * MirrorMaker 2 against a secure primary is test/consumers/kafka-mirrormaker.test.ts (slower).
 */
import { randomBytes } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaAcls } from '../../generators/brokers/kafka/acl.ts';
import { kafkaBackup } from '../../generators/brokers/kafka/backup.ts';
import { KAFKA_PRINCIPALS, passwordFileName } from '../../generators/brokers/kafka/security.ts';
import { libScript } from '../../generators/emit/backup-model.ts';
import { runCommand, tempDir, type RunResult } from '../support/cli.ts';
import { runTool } from '../support/kafka.ts';
import { endOffsets as offsetsOf, loginConfig as writeLogin, produceRecords, startSecureKafka, totalOffsets as total, type SecureKafka } from '../support/kafka-secure.ts';
import { writeFile } from '../support/launch.ts';

const PORTS = { internal: 28392, controller: 28393, external: 28394, replication: 28395 } as const;
const TOPIC = 'clickstream';

const dir = tempDir('bp-kafka-backup-');
let kafka: SecureKafka;
let group = '';

/** A client config logging in as `user` (the test's own, for setting up and checking). */
const loginConfig = (user: string, password: string) => writeLogin(join(dir, `${user}-${randomBytes(4).toString('hex')}.properties`), user, password, kafka.ca);
let adminConfig = '';

const tool = (name: string, args: readonly string[]) => runTool(kafka.home, name, args);
const asAdmin = (name: string, args: readonly string[]) => tool(name, ['--bootstrap-server', kafka.bootstrap, '--command-config', adminConfig, ...args]);

async function endOffsets(bootstrap: string, config: string, topic: string): Promise<string[]> {
  const lines = await offsetsOf(kafka.home, bootstrap, config, topic);
  expect(lines).not.toEqual([]);
  return lines;
}

/** The group's committed offsets on TOPIC as `topic,partition,offset` lines, from kafka-consumer-groups --describe (as admin). */
async function committed(): Promise<string[]> {
  const r = await asAdmin('kafka-consumer-groups.sh', ['--describe', '--group', group, '--offsets']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((w) => w[0] === group && w[1] === TOPIC).map((w) => `${w[1]},${w[2]},${w[3]}`).sort();
}

function runScript(script: string, args: readonly string[], env: Record<string, string>): Promise<RunResult> {
  return runCommand('bash', [join(dir, 'backup', 'kafka', script), ...args], {
    env: { ...(process.env as Record<string, string>), KAFKA_BIN: join(kafka.home, 'bin'), KAFKA_BROKERS: kafka.bootstrap, KAFKA_CA_FILE: kafka.ca, PUSHGATEWAY_URL: '', ...env },
    timeoutMs: 180_000,
  });
}

/** A copy of the password files with one principal's password replaced (right shape, wrong value). */
function wrongSecrets(name: string, user: keyof typeof KAFKA_PRINCIPALS): string {
  const copy = join(dir, name);
  cpSync(kafka.secrets, copy, { recursive: true });
  writeFile(join(copy, passwordFileName(KAFKA_PRINCIPALS[user])), randomBytes(24).toString('base64url'));
  return copy;
}

beforeAll(async () => {
  kafka = await startSecureKafka(dir, PORTS);
  expect(kafka.init.code, kafka.init.output).toBe(0);
  group = kafkaAcls(kafka.spec).find((g) => g.principal === 'backup' && g.type === 'group' && g.pattern === 'literal')?.names[0] ?? '';
  expect(group).not.toBe('');
  writeFile(join(dir, 'backup', 'lib.sh'), libScript(kafka.spec));
  for (const f of kafkaBackup.files(kafka.spec)) writeFile(join(dir, f.path), f.contents);
  adminConfig = loginConfig('admin', kafka.passwords.admin ?? '');
  // 30 records, then the group's offsets committed at the end of the topic (as admin: an operator).
  await produceRecords(kafka.home, kafka.bootstrap, adminConfig, TOPIC, 30);
  const reset = await asAdmin('kafka-consumer-groups.sh', ['--group', group, '--topic', TOPIC, '--reset-offsets', '--to-latest', '--execute']);
  expect(reset.code, reset.stderr).toBe(0);
}, 420_000);

afterAll(async () => {
  await kafka?.broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Kafka prod backup: backup.sh as `backup`, restore-offsets.sh as `admin`, over SASL_SSL', () => {
  let exported = '';

  it('backup.sh exports topics, configs and the group\'s committed offsets as `backup`', async () => {
    const end = await endOffsets(kafka.bootstrap, adminConfig, TOPIC);
    expect(total(end)).toBe(30);
    expect(await committed()).toEqual(end);
    const r = await runScript('backup.sh', [], { BACKUP_DIR: join(dir, 'backups'), BACKUP_KEEP: '3', KAFKA_SECRETS_DIR: kafka.secrets });
    expect(r.code, r.output).toBe(0);
    const names = readdirSync(join(dir, 'backups'));
    expect(names).toEqual([expect.stringMatching(/^metadata-/)]);
    exported = join(dir, 'backups', names[0] ?? '');
    expect(readFileSync(join(exported, 'topics.txt'), 'utf8')).toMatch(new RegExp(`Topic: ${TOPIC}\\s`));
    expect(readFileSync(join(exported, 'topic-configs.txt'), 'utf8')).toMatch(new RegExp(`Dynamic configs for topic ${TOPIC} are:[\\s\\S]*retention\\.ms=`));
    const csv = readFileSync(join(exported, 'offsets', `${group}.csv`), 'utf8').trim().split('\n').filter((l) => l.startsWith(`${TOPIC},`)).sort();
    expect(csv).toEqual(end);
    // The client config with the password was a temporary file: nothing of it is left in the backup.
    expect(readFileSync(join(exported, 'topics.txt'), 'utf8')).not.toContain(kafka.passwords.backup ?? '?');
  }, 180_000);

  it('a wrong password: backup.sh fails with an authentication error and leaves no backup behind', async () => {
    const backups = join(dir, 'backups-wrong');
    const r = await runScript('backup.sh', [], { BACKUP_DIR: backups, KAFKA_SECRETS_DIR: wrongSecrets('secrets-wrong-backup', 'backup') });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/Authentication failed|SaslAuthenticationException/);
    expect(readdirSync(backups)).toEqual([]);
  }, 120_000);

  it('the group listing fails while topics and configs export (kafka-consumer-groups.sh exits 0 on that): backup.sh fails and leaves no backup', async () => {
    // A KAFKA_BIN whose tools are the real ones; kafka-consumer-groups.sh alone logs in with a wrong password.
    const bin = join(dir, 'bin-groups-refused');
    const real = join(kafka.home, 'bin');
    const wrong = loginConfig('backup', randomBytes(24).toString('base64url'));
    for (const name of ['kafka-topics.sh', 'kafka-configs.sh']) writeFile(join(bin, name), `#!/usr/bin/env bash\nexec ${JSON.stringify(join(real, name))} "$@"\n`, 0o755);
    writeFile(
      join(bin, 'kafka-consumer-groups.sh'),
      `#!/usr/bin/env bash\nargs=()\nwhile [ $# -gt 0 ]; do if [ "$1" = --command-config ]; then args+=("$1" ${JSON.stringify(wrong)}); shift 2; else args+=("$1"); shift; fi; done\nexec ${JSON.stringify(join(real, 'kafka-consumer-groups.sh'))} "\${args[@]}"\n`,
      0o755,
    );
    // The control: the real tool with that login reports the failure on stdout and exits 0.
    const direct = await tool('kafka-consumer-groups.sh', ['--bootstrap-server', kafka.bootstrap, '--command-config', wrong, '--describe', '--all-groups', '--offsets']);
    expect(`${direct.code} ${direct.stdout}`).toMatch(/^0 [\s\S]*Error: /);
    const backups = join(dir, 'backups-groups-refused');
    const r = await runScript('backup.sh', [], { BACKUP_DIR: backups, KAFKA_SECRETS_DIR: kafka.secrets, KAFKA_BIN: bin });
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toMatch(/kafka backup: listing the consumer groups failed/);
    expect(readdirSync(backups)).toEqual([]);
  }, 180_000);

  it('`backup` may not move a group\'s offsets; restore-offsets.sh as `admin` puts the group back to the exported offsets', async () => {
    expect(exported).not.toBe('');
    const asBackup = await tool('kafka-consumer-groups.sh', ['--bootstrap-server', kafka.bootstrap, '--command-config', loginConfig('backup', kafka.passwords.backup ?? ''), '--group', group, '--topic', TOPIC, '--reset-offsets', '--to-earliest', '--execute']);
    expect(`${asBackup.stdout}${asBackup.stderr}`).toMatch(/GroupAuthorizationException|Not authorized to access group/);
    const moved = await asAdmin('kafka-consumer-groups.sh', ['--group', group, '--topic', TOPIC, '--reset-offsets', '--to-earliest', '--execute']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(total(await committed())).toBe(0);
    // A wrong admin password: the tool is refused (and exits 0 on that); the script says so and fails.
    const refused = await runScript('restore-offsets.sh', [exported, group], { KAFKA_SECRETS_DIR: wrongSecrets('secrets-wrong-admin', 'admin') });
    expect(refused.code, refused.output).not.toBe(0);
    expect(refused.output).toContain(`restore: group ${group} NOT reset`);
    expect(total(await committed())).toBe(0);
    const r = await runScript('restore-offsets.sh', [exported, group], { KAFKA_SECRETS_DIR: kafka.secrets });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain(`restore: group ${group} reset`);
    expect(await committed()).toEqual(await endOffsets(kafka.bootstrap, adminConfig, TOPIC));
  }, 180_000);

  it('without a login (PLAINTEXT client config) the same tools are refused', async () => {
    const plain = join(dir, 'plaintext.properties');
    writeFile(plain, 'security.protocol=PLAINTEXT\nrequest.timeout.ms=3000\ndefault.api.timeout.ms=6000\n');
    const base = ['--bootstrap-server', kafka.bootstrap, '--command-config', plain];
    const [topics, configs, groups] = await Promise.all([
      tool('kafka-topics.sh', [...base, '--describe', '--exclude-internal']),
      tool('kafka-configs.sh', [...base, '--entity-type', 'topics', '--describe']),
      tool('kafka-consumer-groups.sh', [...base, '--describe', '--all-groups', '--offsets', '--timeout', '6000']),
    ]);
    for (const r of [topics, configs]) {
      expect(r.code, `${r.stdout}${r.stderr}`.slice(-600)).not.toBe(0);
      expect(r.stdout).not.toContain(TOPIC);
    }
    // kafka-consumer-groups.sh reports the failure but exits 0 (Kafka 4.4): no group, no offset listed.
    expect(`${groups.stdout}${groups.stderr}`).toMatch(/Failed to find brokers|Timed out|TimeoutException/);
    expect(groups.stdout).not.toContain(TOPIC);
  }, 120_000);
});
