/**
 * Kafka broker configuration from the spec: one `server.properties` per KRaft node, the topics
 * to create at start (with their dead-letter topics) and the scripts that format storage and
 * create the topics. Shared by the compose and Kubernetes emitters; they differ only in the
 * Topology (how a node is named) and in whether nodes get an extra listener for host clients.
 */
import { createHash } from 'node:crypto';
import { channelsOf, deadLetterName, retentionMs, scalingOf, topicPartitions, topicReplication, type StackSpec } from '../../stack/index.ts';
import { propertiesText, type ConfigSection } from '../formats.ts';
import type { Topology } from '../topology.ts';
import { kafkaSecure, nodePrincipals, SECURE_PROTOCOLS, securitySections } from './security.ts';

/** Paths inside the official apache/kafka image (and every container running it). */
export const KAFKA_PATHS = {
  home: '/opt/kafka',
  /** Read-only mount of the generated files. */
  config: '/etc/kafka/brokerplate',
  /** The image's data volume; KRaft metadata and partition logs. */
  data: '/var/lib/kafka/data',
} as const;

/**
 * Container ports: INTERNAL for in-network clients (and, in dev, brokers), CONTROLLER for the KRaft
 * quorum, EXTERNAL for host clients, REPLICATION (prod) for brokers with mutual TLS.
 */
export const KAFKA_PORTS = { internal: 19092, controller: 9093, external: 9092, replication: 19093 } as const;

/**
 * combined: every node is broker + controller (fewest processes; what compose uses).
 * split: dedicated controllers plus broker-only nodes (controllers roll and scale on their own).
 */
export type KafkaLayout = 'combined' | 'split';

export interface KafkaNode {
  readonly id: number;
  readonly group: 'kafka' | 'kafka-controller';
  readonly ordinal: number;
  readonly roles: readonly ('broker' | 'controller')[];
}

/** A KRaft quorum needs a majority: 3 voters tolerate one failure; fewer than 3 nodes get 1 voter. */
function voterCount(nodes: number): number {
  return nodes >= 3 ? 3 : 1;
}

/** The KRaft nodes of the active profile. Node ids are stable: brokers of the split layout start at 101. */
export function kafkaNodes(spec: StackSpec, layout: KafkaLayout): KafkaNode[] {
  const nodes = scalingOf(spec, 'kafka').nodes;
  const voters = voterCount(nodes);
  if (layout === 'combined') {
    return Array.from({ length: nodes }, (_, i) => ({
      id: i + 1,
      group: 'kafka' as const,
      ordinal: i,
      roles: i < voters ? (['broker', 'controller'] as const) : (['broker'] as const),
    }));
  }
  const controllers = Array.from({ length: voters }, (_, i) => ({ id: i + 1, group: 'kafka-controller' as const, ordinal: i, roles: ['controller'] as const }));
  const brokers = Array.from({ length: nodes }, (_, i) => ({ id: 101 + i, group: 'kafka' as const, ordinal: i, roles: ['broker'] as const }));
  return [...controllers, ...brokers];
}

const isBroker = (n: KafkaNode) => n.roles.includes('broker');
const isController = (n: KafkaNode) => n.roles.includes('controller');

/** `host:port` of every broker's INTERNAL listener: the bootstrap list for in-network clients and tools. */
export function kafkaBootstrap(nodes: readonly KafkaNode[], topology: Topology): string {
  return nodes.filter(isBroker).map((n) => `${topology.host(n.group, n.ordinal)}:${KAFKA_PORTS.internal}`).join(',');
}

/**
 * The cluster id every node is formatted with. Derived from the project name so that all nodes
 * (and a re-run) agree without another secret; a Kafka Uuid is 16 bytes in base64url, and the
 * first character must not be "-" (the storage tool would read it as an option).
 */
export function kafkaClusterId(spec: StackSpec): string {
  const bytes = createHash('sha256').update(`brokerplate:kafka:${spec.name}`).digest().subarray(0, 16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('base64url');
}

export interface KafkaNodeOptions {
  /** Where the node runs: names its certificate's principal (compose: one per node; Kubernetes: one per StatefulSet). */
  readonly site: 'compose' | 'k8s';
  /** An extra listener advertised to clients outside the container network (compose: 127.0.0.1:<published port>). */
  readonly external?: { readonly host: string; readonly port: number };
}

/** The durable defaults from the spec's scaling knobs; on controllers too, which apply them to topic creation. */
function durabilitySection(spec: StackSpec): ConfigSection {
  const k = scalingOf(spec, 'kafka');
  const rf = String(k.replicationFactor);
  const isr = String(k.minInsyncReplicas);
  return {
    comment: `Durability (profile ${spec.profile}): every write acknowledged with acks=all lives on ${k.minInsyncReplicas} of ${k.replicationFactor} replicas,\nand an out-of-sync replica never becomes leader (that would silently drop acknowledged writes).`,
    entries: [
      ['default.replication.factor', rf],
      ['min.insync.replicas', isr],
      ['offsets.topic.replication.factor', rf],
      ['transaction.state.log.replication.factor', rf],
      ['transaction.state.log.min.isr', isr],
      ['share.coordinator.state.topic.replication.factor', rf],
      ['share.coordinator.state.topic.min.isr', isr],
      ['unclean.leader.election.enable', 'false'],
      ['num.partitions', String(k.partitions)],
      // Topics come from brokerplate.yaml (created at start), never from a typo in a producer.
      ['auto.create.topics.enable', 'false'],
    ],
  };
}

/** The sections of one node's server.properties. */
export function kafkaNodeConfig(spec: StackSpec, layout: KafkaLayout, topology: Topology, node: KafkaNode, options: KafkaNodeOptions): ConfigSection[] {
  const nodes = kafkaNodes(spec, layout);
  const voters = nodes.filter(isController).map((n) => `${n.id}@${topology.host(n.group, n.ordinal)}:${KAFKA_PORTS.controller}`);
  const host = topology.host(node.group, node.ordinal);
  const secure = kafkaSecure(spec);
  const listeners: string[] = [];
  const advertised: string[] = [];
  const names: string[] = ['CONTROLLER'];
  if (isBroker(node)) {
    listeners.push(`INTERNAL://:${KAFKA_PORTS.internal}`);
    advertised.push(`INTERNAL://${host}:${KAFKA_PORTS.internal}`);
    names.push('INTERNAL');
    if (secure) {
      listeners.push(`REPLICATION://:${KAFKA_PORTS.replication}`);
      advertised.push(`REPLICATION://${host}:${KAFKA_PORTS.replication}`);
      names.push('REPLICATION');
    }
    if (options.external) {
      listeners.push(`EXTERNAL://:${KAFKA_PORTS.external}`);
      advertised.push(`EXTERNAL://${options.external.host}:${options.external.port}`);
      names.push('EXTERNAL');
    }
  }
  if (isController(node)) listeners.push(`CONTROLLER://:${KAFKA_PORTS.controller}`);
  const protocols = names.map((l) => `${l}:${secure ? SECURE_PROTOCOLS[l as keyof typeof SECURE_PROTOCOLS] : 'PLAINTEXT'}`);
  const identity: ConfigSection = {
    comment: 'KRaft identity and quorum (no ZooKeeper)',
    entries: [
      ['process.roles', node.roles.join(',')],
      ['node.id', String(node.id)],
      ['controller.quorum.voters', voters.join(',')],
      ['controller.listener.names', 'CONTROLLER'],
    ],
  };
  const network: ConfigSection = {
    comment: 'Listeners',
    entries: [
      ['listeners', listeners.join(',')],
      ...(advertised.length > 0 ? [['advertised.listeners', advertised.join(',')] as const] : []),
      ['listener.security.protocol.map', protocols.sort().join(',')],
      ...(isBroker(node) ? [['inter.broker.listener.name', secure ? 'REPLICATION' : 'INTERNAL'] as const] : []),
    ],
  };
  const storage: ConfigSection = {
    comment: 'Storage and retention defaults (topics override retention.ms and cleanup.policy)',
    entries: [
      ['log.dirs', KAFKA_PATHS.data],
      ['log.retention.hours', '168'],
      ['log.segment.bytes', String(1024 * 1024 * 1024)],
      // One consumer rebalance instead of one per joining member in prod; instant in dev.
      ['group.initial.rebalance.delay.ms', spec.profile === 'dev' ? '0' : '3000'],
    ],
  };
  const hosts = nodes.map((n) => topology.host(n.group, n.ordinal));
  const security = secure ? securitySections(names, nodePrincipals(options.site, hosts)) : [];
  return [identity, network, ...security, durabilitySection(spec), storage];
}

export function kafkaNodeProperties(spec: StackSpec, layout: KafkaLayout, topology: Topology, node: KafkaNode, options: KafkaNodeOptions): string {
  const header = `Generated by brokerplate from brokerplate.yaml (profile: ${spec.profile}). Kafka node ${node.id} (${node.roles.join(' + ')}).\nEdit brokerplate.yaml and re-run brokerplate instead of editing this file.`;
  return propertiesText(header, kafkaNodeConfig(spec, layout, topology, node, options));
}

// ---------------------------------------------------------------- topics

export interface KafkaTopicPlan {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Topic-level configs (`--config key=value`). */
  readonly configs: Readonly<Record<string, string>>;
  /** The spec channel this topic belongs to; `deadLetterOf` marks its dead-letter topic. */
  readonly channel: string;
  readonly deadLetterOf?: string;
}

/** Every topic of the spec and its dead-letter topic, in spec order. */
export function kafkaTopics(spec: StackSpec): KafkaTopicPlan[] {
  const minIsr = scalingOf(spec, 'kafka').minInsyncReplicas;
  return channelsOf(spec, 'kafka').flatMap((topic) => {
    const partitions = topicPartitions(spec, topic);
    const replicationFactor = topicReplication(spec, topic);
    // A topic with fewer replicas than the broker's min ISR could never take an acks=all write.
    const isr = String(Math.min(minIsr, replicationFactor));
    const retention = String(retentionMs(topic));
    const main: KafkaTopicPlan = {
      name: topic.name,
      partitions,
      replicationFactor,
      configs: { 'cleanup.policy': topic.cleanupPolicy, 'min.insync.replicas': isr, 'retention.ms': retention },
      channel: topic.name,
    };
    const dlqName = deadLetterName(topic);
    if (!dlqName) return [main];
    // Dead letters are never compacted: two failures with the same key must both be kept.
    const dlq: KafkaTopicPlan = {
      name: dlqName,
      partitions,
      replicationFactor,
      configs: { 'cleanup.policy': 'delete', 'min.insync.replicas': isr, 'retention.ms': retention },
      channel: topic.name,
      deadLetterOf: topic.name,
    };
    return [main, dlq];
  });
}

/**
 * Arguments of `kafka-topics.sh` (TopicCommand) creating one topic, after `--bootstrap-server <list>`;
 * idempotent thanks to --if-not-exists.
 */
export function topicCreateArgs(topic: KafkaTopicPlan): string[] {
  return [
    '--create', '--if-not-exists',
    '--topic', topic.name,
    '--partitions', String(topic.partitions),
    '--replication-factor', String(topic.replicationFactor),
    ...Object.entries(topic.configs).flatMap(([k, v]) => ['--config', `${k}=${v}`]),
  ];
}
