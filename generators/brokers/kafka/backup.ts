/**
 * Kafka backup and DR, per the guide (retention-based, MirrorMaker for DR):
 * - the messages are kept by each topic's retention (from the spec) and replicated in-cluster;
 * - MirrorMaker 2 copies the stack's topics and consumer offsets to a DR cluster, with its
 *   internal topics at the production replication factor (backup/kafka/mirrormaker2.properties);
 * - a scheduled metadata export (topics, configs, committed offsets as CSV per group) that
 *   restore-offsets.sh reads back, and whose success the BackupStale alert watches.
 *
 * prod: each logs in to the cluster as its own SCRAM user over SASL_SSL, least privilege (acl.ts):
 * backup.sh as `backup` (read and describe), MirrorMaker 2 as `mirrormaker` with its password read
 * by Kafka's DirectoryConfigProvider from the secrets folder, restore-offsets.sh as `admin` (moving
 * a group's offsets needs Read on the group: an operator's action, in its own compose service
 * `kafka-restore`, so the scheduled backup never holds the admin password). Passwords reach the
 * containers as files (compose secrets, the stack's Secret), the CA as a read-only mount.
 */
import { channelsOf, retentionMs, settingsOf, topicPartitions, type StackSpec } from '../../stack/index.ts';
import { backupCronJob, backupService, BACKUPS_MOUNT, libScript, scriptsConfigMap, SCRIPTS_MOUNT, type BackupFiles, type BackupPart, type CronFiles } from '../../emit/backup-model.ts';
import { composeSecret, SECRETS_DIR } from '../../emit/compose-model.ts';
import { file } from '../../emit/files.ts';
import { k8sPasswordFiles } from '../../emit/monitoring-auth.ts';
import type { K8sObject } from '../../emit/k8s-model.ts';
import type { ComposePieces, ComposeService } from '../../emit/monitoring-model.ts';
import { render } from '../../emit/render.ts';
import { CA_FILES, TLS_FILES, tlsSecretName } from '../../emit/tls-model.ts';
import { IMAGES } from '../../versions/images.ts';
import { propertiesText, type ConfigSection } from '../formats.ts';
import { composeTopology, type Topology } from '../topology.ts';
import { KAFKA_PATHS, KAFKA_PORTS } from './config.ts';
import { kafkaClientLogin } from './scripts.ts';
import { kafkaCertGroup, KAFKA_PRINCIPALS, kafkaSecure, passwordFile, passwordFileName, SCRAM_MECHANISM, type KafkaPrincipal } from './security.ts';

/** Edit this in mirrormaker2.properties: the DR cluster's bootstrap servers (not a secret). */
export const DR_BOOTSTRAP_PLACEHOLDER = 'REPLACE-WITH-DR-BOOTSTRAP:9092';
const MM2_FILE = 'backup/kafka/mirrormaker2.properties';

function bootstrap(spec: StackSpec, hostOf: (i: number) => string): string {
  const nodes = settingsOf(spec, 'kafka')[spec.profile].nodes;
  return Array.from({ length: nodes }, (_, i) => `${hostOf(i)}:${KAFKA_PORTS.internal}`).join(',');
}

function composeBootstrap(spec: StackSpec): string {
  const t = composeTopology({ kafka: settingsOf(spec, 'kafka')[spec.profile].nodes });
  return bootstrap(spec, (i) => t.host('kafka', i));
}

/** The topics MirrorMaker copies: every channel topic and its dead-letter topic, by exact name. */
export function mirroredTopics(spec: StackSpec): string[] {
  return channelsOf(spec, 'kafka').flatMap((c) => [c.name, `${c.name}.dlq`]).sort();
}

export function mirroredGroups(spec: StackSpec): string[] {
  return [...new Set(channelsOf(spec, 'kafka').flatMap((c) => c.consumerGroups))].sort();
}

const regexEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Kafka's provider reading `${directory:<folder>:<file>}` from files; MirrorMaker resolves it in the client settings it builds. */
export const MM2_PASSWORD_PROVIDER = 'org.apache.kafka.common.config.provider.DirectoryConfigProvider';

/** prod: how MirrorMaker logs in to the primary cluster (as `mirrormaker`, the password never in the file), and what the dr side would need. */
function mirrorMakerSecurity(): ConfigSection[] {
  const mm = KAFKA_PRINCIPALS.mirrormaker;
  return [
    {
      comment: `The primary cluster (prod): SASL_SSL as the Kafka user ${mm.user} (acl.ts: read the mirrored topics, describe their groups, its mm2- topics).
Its password is not in this file: Kafka's DirectoryConfigProvider reads it from ${passwordFile(mm)} (a compose secret /
the stack's Secret) when MirrorMaker builds its clients; allowed.paths keeps the provider to that folder.
The broker certificates are checked against the stack's CA and the bootstrap servers' host names.`,
      entries: [
        ['config.providers', 'directory'],
        ['config.providers.directory.class', MM2_PASSWORD_PROVIDER],
        ['config.providers.directory.param.allowed.paths', SECRETS_DIR],
        ['primary.security.protocol', 'SASL_SSL'],
        ['primary.sasl.mechanism', SCRAM_MECHANISM],
        ['primary.sasl.jaas.config', `org.apache.kafka.common.security.scram.ScramLoginModule required username="${mm.user}" password="\${directory:${SECRETS_DIR}:${passwordFileName(mm)}}";`],
        ['primary.ssl.truststore.type', 'PEM'],
        ['primary.ssl.truststore.location', TLS_FILES.ca],
        ['primary.ssl.endpoint.identification.algorithm', 'https'],
      ],
    },
    {
      comment: `No herder dr->primary: heartbeats go to the DR cluster only, so MirrorMaker writes nothing on the primary but its offset syncs.\nA secured DR cluster: set its side the same way (a user and CA of that cluster), e.g.\n  dr.security.protocol=SASL_SSL\n  dr.sasl.mechanism=${SCRAM_MECHANISM}\n  dr.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="<user>" password="\${directory:${SECRETS_DIR}:<file>}";\n  dr.ssl.truststore.type=PEM\n  dr.ssl.truststore.location=<the DR cluster's CA, mounted into kafka-mirrormaker>\n  dr.ssl.endpoint.identification.algorithm=https\nwith <file> a password file mounted into kafka-mirrormaker under ${SECRETS_DIR} (compose secrets:) beside ${passwordFileName(mm)}.`,
      entries: [['dr->primary.emit.heartbeats.enabled', 'false']],
    },
  ];
}

/** MirrorMaker 2 (dedicated mode, connect-mirror-maker.sh) from this cluster ("primary") to "dr". */
export function mirrorMakerConfig(spec: StackSpec, primaryBootstrap: string): ConfigSection[] {
  const prodRf = String(settingsOf(spec, 'kafka').prod.replicationFactor);
  const maxPartitions = Math.max(1, ...channelsOf(spec, 'kafka').map((c) => topicPartitions(spec, c)));
  return [
    {
      comment: `The two clusters. Set dr.bootstrap.servers to the DR cluster before starting MirrorMaker.`,
      entries: [
        ['clusters', 'primary, dr'],
        ['primary.bootstrap.servers', primaryBootstrap],
        ['dr.bootstrap.servers', DR_BOOTSTRAP_PLACEHOLDER],
      ],
    },
    {
      comment: 'One-way replication primary -> dr of the stack\'s topics (with their dead-letter topics) and consumer groups.\nIdentityReplicationPolicy keeps topic names, so clients fail over by changing KAFKA_BROKERS only.',
      entries: [
        ['primary->dr.enabled', 'true'],
        ['dr->primary.enabled', 'false'],
        ['primary->dr.topics', mirroredTopics(spec).map(regexEscape).join(', ')],
        ['primary->dr.groups', mirroredGroups(spec).map(regexEscape).join(', ') || '^$'],
        ['replication.policy.class', 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy'],
        ['sync.topic.configs.enabled', 'true'],
        ['sync.group.offsets.enabled', 'true'],
        ['sync.group.offsets.interval.seconds', '10'],
        ['emit.checkpoints.enabled', 'true'],
        ['emit.checkpoints.interval.seconds', '10'],
        ['emit.heartbeats.enabled', 'true'],
        ['refresh.topics.interval.seconds', '60'],
        ['refresh.groups.interval.seconds', '60'],
        ['tasks.max', String(maxPartitions)],
      ],
    },
    {
      comment: `Replication factor of mirrored topics and of MirrorMaker's internal topics: the production RF (${prodRf}), whatever this profile runs.`,
      entries: [
        ['replication.factor', prodRf],
        ['checkpoints.topic.replication.factor', prodRf],
        ['heartbeats.topic.replication.factor', prodRf],
        ['offset-syncs.topic.replication.factor', prodRf],
        ['offset.storage.replication.factor', prodRf],
        ['status.storage.replication.factor', prodRf],
        ['config.storage.replication.factor', prodRf],
      ],
    },
    ...(kafkaSecure(spec) ? mirrorMakerSecurity() : []),
  ];
}

function scripts(spec: StackSpec): Record<'backup' | 'restore' | 'mm2', string> {
  const ctx = { name: spec.name, bootstrap: composeBootstrap(spec), keep: spec.backup.keep };
  const as = (p: KafkaPrincipal, script: string) => ({ ...ctx, user: p.user, login: kafkaSecure(spec) && kafkaClientLogin(p, script) });
  return {
    backup: render('backup/kafka-backup.sh', as(KAFKA_PRINCIPALS.backup, 'kafka backup')),
    restore: render('backup/kafka-restore-offsets.sh', as(KAFKA_PRINCIPALS.admin, 'restore')),
    mm2: propertiesText(`MirrorMaker 2 for ${spec.name}: copies the stack's topics and consumer offsets to a DR cluster.\nRun: connect-mirror-maker.sh ${MM2_FILE}  (compose: docker compose --profile dr up -d kafka-mirrormaker)`, mirrorMakerConfig(spec, composeBootstrap(spec))),
  };
}

/** prod: a principal's password file and the stack's CA, as a compose service mounts them. */
function composeLogin(p: KafkaPrincipal): BackupFiles {
  return { secrets: [composeSecret(p.env)], volumes: [{ type: 'bind', source: `./${CA_FILES.cert}`, target: TLS_FILES.ca, read_only: true }] };
}

/** prod: restore-offsets.sh in a service of its own with the admin password (the scheduled backup never gets it). */
function restoreService(spec: StackSpec, dependsOn: ComposeService['depends_on']): ComposeService {
  const login = composeLogin(KAFKA_PRINCIPALS.admin);
  return {
    image: IMAGES.kafka,
    entrypoint: ['bash', `${SCRIPTS_MOUNT}/kafka/restore-offsets.sh`],
    environment: { KAFKA_BROKERS: composeBootstrap(spec) },
    secrets: login.secrets,
    volumes: [
      { type: 'bind', source: './backup', target: SCRIPTS_MOUNT, read_only: true },
      { type: 'volume', source: 'kafka-backups', target: `${BACKUPS_MOUNT}/kafka`, read_only: true },
      ...login.volumes,
    ],
    ...(dependsOn && { depends_on: dependsOn }),
    profiles: ['restore'],
    restart: 'no',
  };
}

function compose(spec: StackSpec): ComposePieces {
  const nodes = composeBootstrap(spec).split(',').map((a) => a.split(':')[0] ?? a);
  const secure = kafkaSecure(spec);
  const dependsOn = Object.fromEntries(nodes.map((h) => [h, { condition: 'service_healthy' as const }]));
  const mmLogin = secure ? composeLogin(KAFKA_PRINCIPALS.mirrormaker) : undefined;
  const mirrormaker: ComposeService = {
    image: IMAGES.kafka,
    restart: 'unless-stopped',
    entrypoint: [`${KAFKA_PATHS.home}/bin/connect-mirror-maker.sh`, `${SCRIPTS_MOUNT}/kafka/mirrormaker2.properties`],
    volumes: [{ type: 'bind', source: './backup', target: SCRIPTS_MOUNT, read_only: true }, ...(mmLogin?.volumes ?? [])],
    ...(mmLogin && { secrets: mmLogin.secrets }),
    depends_on: dependsOn,
    profiles: ['dr'],
  };
  return {
    services: {
      'kafka-backup': backupService(spec, 'kafka', IMAGES.kafka, { KAFKA_BROKERS: composeBootstrap(spec) }, nodes, secure ? composeLogin(KAFKA_PRINCIPALS.backup) : undefined),
      'kafka-mirrormaker': mirrormaker,
      ...(secure && { 'kafka-restore': restoreService(spec, dependsOn) }),
    },
    volumes: ['kafka-backups'],
    files: [],
    notes: [
      '**Kafka backup/DR**: `docker compose --profile backup run --rm kafka-backup` exports topics and consumer offsets; `docker compose --profile dr up -d kafka-mirrormaker` mirrors to the DR cluster named in `backup/kafka/mirrormaker2.properties`.',
      ...(secure ? ['**Kafka offsets restore** (prod, as `admin`): `docker compose --profile restore run --rm kafka-restore /backups/kafka/metadata-<time> [group ...]`.'] : []),
    ],
  };
}

function k8s(spec: StackSpec, namespace: string, topology: Topology): K8sObject[] {
  void topology; // the Service names below are the program's client Services
  const s = scripts(spec);
  const k8sBootstrap = `kafka.${namespace}.svc:${KAFKA_PORTS.internal}`;
  return [
    scriptsConfigMap(spec, namespace, 'kafka', { 'lib.sh': libScript(spec), 'backup.sh': s.backup, 'restore-offsets.sh': s.restore, 'mirrormaker2.properties': propertiesText(`MirrorMaker 2 for ${spec.name}`, mirrorMakerConfig(spec, k8sBootstrap)) }),
    ...backupCronJob(spec, namespace, 'kafka', IMAGES.kafka, [{ name: 'KAFKA_BROKERS', value: k8sBootstrap }], '1Gi', kafkaSecure(spec) ? cronLogin(spec, KAFKA_PRINCIPALS.backup) : undefined),
  ];
}

/** prod: the CronJob's password file (from the stack's Secret) and ca.crt (from the nodes' TLS Secret), mounted where the script reads them. */
function cronLogin(spec: StackSpec, p: KafkaPrincipal): CronFiles {
  const password = k8sPasswordFiles(`${spec.name}-secrets`, [p], 'password'); // at passwordFile(p), as in compose
  return {
    volumes: [
      { name: 'tls', secret: { secretName: tlsSecretName(kafkaCertGroup(1).group), defaultMode: 0o440, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      password.volume,
    ],
    mounts: [{ name: 'tls', mountPath: TLS_FILES.ca.slice(0, TLS_FILES.ca.lastIndexOf('/')), readOnly: true }, password.mount],
  };
}

export const kafkaBackup: BackupPart = {
  broker: 'kafka',
  scheduled: () => ['metadata'],
  files: (spec) => {
    const s = scripts(spec);
    return [file('backup/kafka/backup.sh', s.backup), file('backup/kafka/restore-offsets.sh', s.restore), file(MM2_FILE, s.mm2)];
  },
  compose,
  k8s,
  readme: (spec) =>
    render('backup/kafka.md', {
      topics: channelsOf(spec, 'kafka').map((c) => ({ name: c.name, retention: c.retention, ms: retentionMs(c), cleanup: c.cleanupPolicy })),
      prodRf: settingsOf(spec, 'kafka').prod.replicationFactor,
      placeholder: DR_BOOTSTRAP_PLACEHOLDER,
      schedule: spec.backup.schedule,
      keep: spec.backup.keep,
      secure: kafkaSecure(spec),
      backup: KAFKA_PRINCIPALS.backup.user,
      admin: KAFKA_PRINCIPALS.admin.user,
      mirrormaker: KAFKA_PRINCIPALS.mirrormaker.user,
      adminEnv: KAFKA_PRINCIPALS.admin.env,
    }),
};
