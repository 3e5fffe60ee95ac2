/**
 * Kafka under docker compose: one service per KRaft node (combined broker + controller roles),
 * a one-shot `kafka-init` that creates the topics once every node is healthy, named volumes.
 */
import { scalingOf, type StackSpec } from '../../stack/index.ts';
import { bindMount, composeResources, composeSecret, loopbackPort, type ComposeMount, type ComposePart, type ComposeService } from '../../emit/compose-model.ts';
import { file } from '../../emit/files.ts';
import { CA_FILES, TLS_FILES } from '../../emit/tls-model.ts';
import { IMAGES } from '../../versions/images.ts';
import { composeTopology } from '../topology.ts';
import { kafkaHostPort } from './connection.ts';
import { kafkaBootstrap, kafkaClusterId, kafkaNodeProperties, kafkaNodes, KAFKA_PATHS, KAFKA_PORTS, kafkaTopics, type KafkaLayout } from './config.ts';
import { createTopicsScript, kafkaEntrypoint } from './scripts.ts';
import { KAFKA_PRINCIPALS, kafkaSecure, nodeClientProperties } from './security.ts';

/**
 * Compose runs every node on one Docker host, where dedicated controller containers would add
 * three JVMs without adding any failure isolation, so each node is broker + controller.
 */
export const COMPOSE_KAFKA_LAYOUT: KafkaLayout = 'combined';

/** JVM heap: half the container limit, leaving the rest to the page cache Kafka reads from. */
function heapOpts(limit: string): string {
  const m = /^([0-9]+)(Mi|Gi)$/.exec(limit);
  const mb = m?.[1] ? Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1) : 1024;
  const heap = Math.max(256, Math.floor(mb / 2));
  return `-Xms${heap}m -Xmx${heap}m`;
}

/** The stack's CA certificate (public) for a client container: the git-ignored secrets/tls/ca.crt, read-only at TLS_FILES.ca. */
export function caMount(): ComposeMount {
  return { type: 'bind', source: `./${CA_FILES.cert}`, target: TLS_FILES.ca, read_only: true };
}

export function kafkaCompose(spec: StackSpec): ComposePart {
  const nodes = kafkaNodes(spec, COMPOSE_KAFKA_LAYOUT);
  const topology = composeTopology({ kafka: nodes.length });
  const scaling = scalingOf(spec, 'kafka');
  const secure = kafkaSecure(spec);
  const entrypoint = file('config/kafka/entrypoint.sh', kafkaEntrypoint(spec));
  const bootstrap = kafkaBootstrap(nodes, topology);
  const topicsScript = file('config/kafka/create-topics.sh', createTopicsScript(spec, bootstrap));
  const files = [entrypoint, topicsScript];
  // prod: the healthcheck speaks to the node's mutual-TLS listener with the node's own certificate (no password needed).
  const nodeClient = file('config/kafka/node-client.properties', nodeClientProperties());
  if (secure) files.push(nodeClient);
  const health = secure
    ? `${KAFKA_PATHS.home}/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:${KAFKA_PORTS.replication} --command-config ${KAFKA_PATHS.config}/node-client.properties >/dev/null 2>&1`
    : `${KAFKA_PATHS.home}/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:${KAFKA_PORTS.internal} >/dev/null 2>&1`;
  const services: Record<string, ComposeService> = {};
  const volumes: string[] = [];
  for (const node of nodes) {
    const name = topology.host(node.group, node.ordinal);
    const props = file(`config/kafka/${name}.properties`, kafkaNodeProperties(spec, COMPOSE_KAFKA_LAYOUT, topology, node, { site: 'compose', external: { host: '127.0.0.1', port: kafkaHostPort(node.ordinal) } }));
    files.push(props);
    const volume = `${name}-data`;
    volumes.push(volume);
    services[name] = {
      image: IMAGES.kafka,
      hostname: name,
      restart: 'unless-stopped',
      entrypoint: ['/bin/bash', `${KAFKA_PATHS.config}/entrypoint.sh`],
      environment: {
        // Not a secret: every node must be formatted with the same id (derived from the project name).
        KAFKA_CLUSTER_ID: kafkaClusterId(spec),
        KAFKA_HEAP_OPTS: heapOpts(scaling.resources.limits.memory),
      },
      ports: [loopbackPort(kafkaHostPort(node.ordinal), KAFKA_PORTS.external)],
      volumes: [
        bindMount(props, `${KAFKA_PATHS.config}/server.properties`),
        bindMount(entrypoint, `${KAFKA_PATHS.config}/entrypoint.sh`),
        { type: 'volume', source: volume, target: KAFKA_PATHS.data },
        ...(secure ? [bindMount(nodeClient, `${KAFKA_PATHS.config}/node-client.properties`)] : []),
      ],
      // prod: every user's password as a file, for the SCRAM credentials written at storage format time.
      ...(secure && { secrets: Object.values(KAFKA_PRINCIPALS).map((p) => composeSecret(p.env)) }),
      healthcheck: {
        // The broker answers an ApiVersions request on its in-network listener (prod: the mutual-TLS one).
        test: ['CMD-SHELL', health],
        interval: '15s',
        timeout: '10s',
        retries: 10,
        start_period: '30s',
        start_interval: '5s',
      },
      deploy: composeResources(scaling.resources),
      stop_grace_period: '60s',
      ulimits: { nofile: { soft: 65536, hard: 65536 } },
    };
  }
  services['kafka-init'] = {
    image: IMAGES.kafka,
    restart: 'no',
    entrypoint: ['/bin/bash', `${KAFKA_PATHS.config}/create-topics.sh`],
    volumes: [bindMount(topicsScript, `${KAFKA_PATHS.config}/create-topics.sh`), ...(secure ? [caMount()] : [])],
    ...(secure && { secrets: [composeSecret(KAFKA_PRINCIPALS.admin.env)] }),
    depends_on: Object.fromEntries(nodes.map((n) => [topology.host(n.group, n.ordinal), { condition: 'service_healthy' as const }])),
  };
  const topics = kafkaTopics(spec);
  const layoutNote =
    nodes.length > 1
      ? `**Kafka**: ${nodes.length} KRaft nodes in combined mode (each is broker and controller; ${nodes.filter((n) => n.roles.includes('controller')).length} vote in the metadata quorum). On a single Docker host, separate controller containers would only add JVMs, not fault isolation; the Kubernetes output may split them. Replication factor ${scaling.replicationFactor}, min.insync.replicas ${scaling.minInsyncReplicas}, unclean leader election off: produce with \`acks=all\` and a write survives the loss of ${scaling.replicationFactor - scaling.minInsyncReplicas} node(s). Host clients bootstrap from \`${nodes.map((n) => `127.0.0.1:${kafkaHostPort(n.ordinal)}`).join(',')}\`; containers use \`${bootstrap}\`.`
      : `**Kafka**: one KRaft node (broker + controller), replication factor ${scaling.replicationFactor}: fine for development, not for data you cannot lose. Host clients use \`127.0.0.1:${kafkaHostPort(0)}\`, containers \`${bootstrap}\`.`;
  const topicNote = `\`kafka-init\` creates ${topics.length} topics (${topics.map((t) => `\`${t.name}\``).join(', ')}) with their partitions, retention and cleanup policy; auto-creation is off, so a typo in a producer fails instead of creating a stray topic.`;
  const authNote = secure
    ? `Kafka (prod) speaks TLS on every listener: nodes authenticate each other with their certificates (controller port ${KAFKA_PORTS.controller}, replication port ${KAFKA_PORTS.replication}), clients with SASL/SCRAM-SHA-512 on ${KAFKA_PORTS.internal} (containers) and the published ports (host); ACLs per user (see the security section). The passwords reach the containers as compose secrets (files), \`kafka-init\` creates the topics and ACLs as \`admin\`.`
    : 'Kafka listeners are PLAINTEXT without authentication: published on 127.0.0.1 only, otherwise reachable only from the compose network.';
  return { services, volumes, files, notes: [`${layoutNote} ${topicNote} ${authNote}`] };
}
