/**
 * Kafka's part of the Pulumi program: one StatefulSet of KRaft nodes (broker + controller in
 * every pod, like compose), each pod reading its own server.properties from the shared config
 * builder, plus a Job that creates the topics once the brokers are ready.
 */
import { scalingOf, type StackSpec } from '../../stack/index.ts';
import { yamlFile } from '../../emit/files.ts';
import { imageVersion, k8sTopology, podName, workload, type ImageUser, type K8sPart, type WorkloadSettings } from '../../emit/k8s-model.ts';
import { IMAGES } from '../../versions/images.ts';
import { quantityBytes } from '../rabbitmq/config.ts';
import { kafkaK8sAgent, type KafkaK8sAgent } from './monitoring.ts';
import { SECRETS_DIR } from '../../emit/compose-model.ts';
import { TLS_MOUNT, tlsSecretName } from '../../emit/tls-model.ts';
import { kafkaBootstrap, kafkaClusterId, kafkaNodeProperties, kafkaNodes, kafkaTopics, KAFKA_PATHS, KAFKA_PORTS, type KafkaLayout } from './config.ts';
import { createTopicsScript, kafkaEntrypoint } from './scripts.ts';
import { kafkaCertGroup, KAFKA_PRINCIPALS, kafkaSecure, passwordFileName } from './security.ts';

/**
 * Combined nodes: the three KRaft voters are also the three brokers. Dedicated controllers would
 * add three JVMs and a second StatefulSet for a quorum that a 3-broker cluster does not outgrow.
 */
export const K8S_KAFKA_LAYOUT: KafkaLayout = 'combined';

/** apache/kafka runs as `appuser`, created by Alpine's adduser as uid/gid 1000 (docker/jvm/Dockerfile). */
const KAFKA_USER: ImageUser = { uid: 1000, gid: 1000 };

export interface KafkaK8sSettings {
  readonly image: string;
  readonly version: string;
  readonly user: ImageUser;
  readonly workload: WorkloadSettings;
  /** Not a secret: every node is formatted with it (derived from the project name, as in compose). */
  readonly clusterId: string;
  readonly heapOpts: string;
  readonly ports: { readonly internal: number; readonly controller: number };
  readonly paths: {
    readonly home: string;
    /** Where the ConfigMap is mounted (server.properties per pod, entrypoint, topic script, log4j2). */
    readonly config: string;
    /** log.dirs */
    readonly data: string;
    /** The volume's mount point: the parent of log.dirs, so the volume's lost+found never sits among the partitions. */
    readonly volume: string;
  };
  /** In-namespace bootstrap servers (every broker's INTERNAL listener). */
  readonly bootstrap: string;
  readonly topics: readonly string[];
  /** The Prometheus JMX exporter agent in every broker pod, when the spec enables monitoring. */
  readonly metrics: KafkaK8sAgent | null;
  /** prod: TLS on every listener, SCRAM users, ACLs (null in dev: PLAINTEXT inside the namespace). */
  readonly security: KafkaK8sSecurity | null;
}

/** What the pods mount in prod: cert-manager's Secret as the PEM files Kafka reads, and the SCRAM passwords as files. */
export interface KafkaK8sSecurity {
  /** The Secret cert-manager keeps the nodes' certificate in (`tls-combined.pem`, `ca.crt`). */
  readonly tlsSecret: string;
  readonly tlsMount: string;
  /** Secret keys → file names under `secretsDir`: every user for the nodes (format time), admin for the init Job. */
  readonly passwords: readonly { readonly key: string; readonly path: string }[];
  readonly adminPassword: { readonly key: string; readonly path: string };
  readonly secretsDir: string;
  /** The mutual-TLS inter-broker listener. */
  readonly replicationPort: number;
}

function k8sSecurity(spec: StackSpec): KafkaK8sSecurity | null {
  if (!kafkaSecure(spec)) return null;
  const item = (p: (typeof KAFKA_PRINCIPALS)[keyof typeof KAFKA_PRINCIPALS]) => ({ key: p.env, path: passwordFileName(p) });
  return {
    tlsSecret: tlsSecretName(kafkaCertGroup(1).group),
    tlsMount: TLS_MOUNT,
    passwords: Object.values(KAFKA_PRINCIPALS).map(item),
    adminPassword: item(KAFKA_PRINCIPALS.admin),
    secretsDir: SECRETS_DIR,
    replicationPort: KAFKA_PORTS.replication,
  };
}

/** JVM heap: half the memory limit (at least 256 MiB); the rest is page cache, which Kafka reads from. */
export function kafkaHeapOpts(limit: string): string {
  const mib = Math.max(256, Math.floor(quantityBytes(limit) / 2 ** 20 / 2));
  return `-Xms${mib}m -Xmx${mib}m`;
}

/**
 * log4j2 for Kubernetes: everything to stdout (kubectl logs). The image's default also writes
 * hourly files that are never deleted, which would slowly fill the pod's scratch volume.
 */
function consoleLog4j(): object {
  const quiet = ['kafka.request.logger', 'kafka.network.RequestChannel$'];
  return {
    Configuration: {
      Appenders: { Console: { name: 'STDOUT', PatternLayout: { pattern: '[%d] %p %m (%c)%n' } } },
      Loggers: {
        Root: { level: 'INFO', AppenderRef: [{ ref: 'STDOUT' }] },
        Logger: quiet.map((name) => ({ name, level: 'WARN' })),
      },
    },
  };
}

export const LOG4J_FILE = 'log4j2.yaml';

export const kafkaK8s: K8sPart<KafkaK8sSettings> = {
  broker: 'kafka',
  files(spec: StackSpec) {
    const topology = k8sTopology();
    const nodes = kafkaNodes(spec, K8S_KAFKA_LAYOUT);
    return {
      'entrypoint.sh': kafkaEntrypoint(spec),
      'create-topics.sh': createTopicsScript(spec, kafkaBootstrap(nodes, topology)),
      [LOG4J_FILE]: yamlFile(LOG4J_FILE, consoleLog4j(), 'Generated by brokerplate: Kafka logs to stdout only.').contents,
      ...Object.fromEntries(nodes.map((node) => [`${podName(node.group, node.ordinal)}.properties`, kafkaNodeProperties(spec, K8S_KAFKA_LAYOUT, topology, node, { site: 'k8s' })])),
    };
  },
  settings(spec: StackSpec): KafkaK8sSettings {
    const scaling = scalingOf(spec, 'kafka');
    const nodes = kafkaNodes(spec, K8S_KAFKA_LAYOUT);
    return {
      image: IMAGES.kafka,
      version: imageVersion(IMAGES.kafka),
      user: KAFKA_USER,
      workload: workload(spec.profile, nodes.length, scaling.resources),
      clusterId: kafkaClusterId(spec),
      heapOpts: kafkaHeapOpts(scaling.resources.limits.memory),
      ports: { internal: KAFKA_PORTS.internal, controller: KAFKA_PORTS.controller },
      paths: { home: KAFKA_PATHS.home, config: KAFKA_PATHS.config, data: KAFKA_PATHS.data, volume: KAFKA_PATHS.data.slice(0, KAFKA_PATHS.data.lastIndexOf('/')) },
      bootstrap: kafkaBootstrap(nodes, k8sTopology()),
      topics: kafkaTopics(spec).map((t) => t.name),
      metrics: spec.monitoring.enabled ? kafkaK8sAgent() : null,
      security: k8sSecurity(spec),
    };
  },
  readme(spec: StackSpec): string {
    const scaling = scalingOf(spec, 'kafka');
    const nodes = kafkaNodes(spec, K8S_KAFKA_LAYOUT);
    const voters = nodes.filter((n) => n.roles.includes('controller')).length;
    return `**Kafka** (${spec.profile}): StatefulSet \`kafka\` with ${nodes.length} KRaft node(s), each broker and controller (${voters} voter(s) in the metadata quorum), ${scaling.resources.storage} per node; replication factor ${scaling.replicationFactor}, \`min.insync.replicas\` ${scaling.minInsyncReplicas}, unclean leader election off. Clients in the namespace bootstrap from \`kafka:${KAFKA_PORTS.internal}\`${kafkaSecure(spec) ? ` over SASL_SSL (SCRAM-SHA-512, the CA in the Secret \`${tlsSecretName('kafka')}\`, key \`ca.crt\`); brokers and controllers use mutual TLS with the cert-manager certificate` : ' (PLAINTEXT)'}; the Job \`kafka-topics\` creates ${kafkaTopics(spec).length} topic(s) once the brokers are ready.`;
  },
};
