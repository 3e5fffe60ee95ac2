/**
 * Kafka backup and DR, per the guide (retention-based, MirrorMaker for DR):
 * - the messages are kept by each topic's retention (from the spec) and replicated in-cluster;
 * - MirrorMaker 2 copies the stack's topics and consumer offsets to a DR cluster, with its
 *   internal topics at the production replication factor (backup/kafka/mirrormaker2.properties);
 * - a scheduled metadata export (topics, configs, committed offsets as CSV per group) that
 *   restore-offsets.sh reads back, and whose success the BackupStale alert watches.
 */
import { channelsOf, retentionMs, settingsOf, topicPartitions, type StackSpec } from '../../stack/index.ts';
import { backupCronJob, backupService, libScript, scriptsConfigMap, SCRIPTS_MOUNT, type BackupPart } from '../../emit/backup-model.ts';
import { file } from '../../emit/files.ts';
import type { K8sObject } from '../../emit/k8s-model.ts';
import type { ComposePieces, ComposeService } from '../../emit/monitoring-model.ts';
import { render } from '../../emit/render.ts';
import { IMAGES } from '../../versions/images.ts';
import { propertiesText, type ConfigSection } from '../formats.ts';
import { composeTopology, type Topology } from '../topology.ts';
import { KAFKA_PATHS, KAFKA_PORTS } from './config.ts';

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
  ];
}

function scripts(spec: StackSpec): Record<'backup' | 'restore' | 'mm2', string> {
  const ctx = { name: spec.name, bootstrap: composeBootstrap(spec), keep: spec.backup.keep };
  return {
    backup: render('backup/kafka-backup.sh', ctx),
    restore: render('backup/kafka-restore-offsets.sh', ctx),
    mm2: propertiesText(`MirrorMaker 2 for ${spec.name}: copies the stack's topics and consumer offsets to a DR cluster.\nRun: connect-mirror-maker.sh ${MM2_FILE}  (compose: docker compose --profile dr up -d kafka-mirrormaker)`, mirrorMakerConfig(spec, composeBootstrap(spec))),
  };
}

function compose(spec: StackSpec): ComposePieces {
  const nodes = composeBootstrap(spec).split(',').map((a) => a.split(':')[0] ?? a);
  const mirrormaker: ComposeService = {
    image: IMAGES.kafka,
    restart: 'unless-stopped',
    entrypoint: [`${KAFKA_PATHS.home}/bin/connect-mirror-maker.sh`, `${SCRIPTS_MOUNT}/kafka/mirrormaker2.properties`],
    volumes: [{ type: 'bind', source: './backup', target: SCRIPTS_MOUNT, read_only: true }],
    depends_on: Object.fromEntries(nodes.map((h) => [h, { condition: 'service_healthy' as const }])),
    profiles: ['dr'],
  };
  return {
    services: {
      'kafka-backup': backupService(spec, 'kafka', IMAGES.kafka, { KAFKA_BROKERS: composeBootstrap(spec) }, nodes),
      'kafka-mirrormaker': mirrormaker,
    },
    volumes: ['kafka-backups'],
    files: [],
    notes: [
      '**Kafka backup/DR**: `docker compose --profile backup run --rm kafka-backup` exports topics and consumer offsets; `docker compose --profile dr up -d kafka-mirrormaker` mirrors to the DR cluster named in `backup/kafka/mirrormaker2.properties`.',
    ],
  };
}

function k8s(spec: StackSpec, namespace: string, topology: Topology): K8sObject[] {
  void topology; // the Service names below are the program's client Services
  const s = scripts(spec);
  const k8sBootstrap = `kafka.${namespace}.svc:${KAFKA_PORTS.internal}`;
  return [
    scriptsConfigMap(spec, namespace, 'kafka', { 'lib.sh': libScript(spec), 'backup.sh': s.backup, 'restore-offsets.sh': s.restore, 'mirrormaker2.properties': propertiesText(`MirrorMaker 2 for ${spec.name}`, mirrorMakerConfig(spec, k8sBootstrap)) }),
    ...backupCronJob(spec, namespace, 'kafka', IMAGES.kafka, [{ name: 'KAFKA_BROKERS', value: k8sBootstrap }], '1Gi'),
  ];
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
    }),
};
