/**
 * RabbitMQ's part of the Pulumi program: one StatefulSet whose nodes cluster through
 * rabbitmq_peer_discovery_k8s, the same rabbitmq.conf/definitions as compose, and a Job that
 * creates the users from the stack's Secret once the nodes are ready.
 *
 * Since RabbitMQ 4.1 the Kubernetes peer discovery derives the seed node from the pod's own name
 * (`rabbit@rabbitmq-2.<suffix>` joins `rabbit@rabbitmq-0.<suffix>`) and never calls the
 * Kubernetes API, so the pods need no ServiceAccount token, Role or RoleBinding.
 */
import { scalingOf, settingsOf, type StackSpec } from '../../stack/index.ts';
import { headlessServiceName, imageVersion, k8sTopology, workload, type ImageUser, type K8sPart, type WorkloadSettings } from '../../emit/k8s-model.ts';
import { IMAGES } from '../../versions/images.ts';
import { tlsSecretName } from '../../emit/tls-model.ts';
import { enabledPluginsFile, rabbitConf, rabbitDefinitions, rabbitEntrypoint, rabbitInitScript, rabbitNodeCount, rabbitPorts, RABBITMQ_PATHS, RABBITMQ_PORTS, RABBITMQ_SECRETS_DIR, RABBITMQ_TLS_FILES } from './config.ts';
import { rabbitmqConnection, rabbitTls } from './connection.ts';

/** The official image's `rabbitmq` user (uid/gid 999, `useradd --uid 999` in its Dockerfile). */
const RABBITMQ_USER: ImageUser = { uid: 999, gid: 999 };

/** Erlang's port mapper: the CLI tools (probes, the init Job) find a node's distribution port through it. */
const EPMD_PORT = 4369;

/** The secret only the server pods need (the cluster's shared cookie); the init Job also gets the passwords. */
const COOKIE_ENV = 'RABBITMQ_ERLANG_COOKIE';

export interface RabbitK8sSettings {
  readonly image: string;
  readonly version: string;
  readonly user: ImageUser;
  readonly workload: WorkloadSettings;
  readonly ports: {
    readonly amqp: number;
    readonly management: number;
    readonly prometheus: number;
    readonly mqtt: number | null;
    readonly dist: number;
    readonly epmd: number;
  };
  readonly paths: { readonly conf: string; readonly enabledPlugins: string; readonly definitions: string; readonly scripts: string; readonly data: string };
  /** Node names are `rabbit@<pod><nodeSuffix>`; the config files name the nodes the same way (k8sTopology). */
  readonly nodeSuffix: string;
  readonly vhost: string;
  /**
   * Secret keys (the .env names) each kind of pod receives as files: the stack's Secret mounted at
   * `dir`, each key at its lower-case name, and `<KEY>_FILE` pointing at it (as compose's secrets).
   */
  readonly secrets: { readonly dir: string; readonly server: readonly string[]; readonly init: readonly string[] };
  /** prod: the cert-manager Secret of the StatefulSet (tls.crt, tls.key, ca.crt) mounted where rabbitmq.conf reads it. */
  readonly tls: { readonly secretName: string; readonly mountPath: string } | null;
}

export const rabbitmqK8s: K8sPart<RabbitK8sSettings> = {
  broker: 'rabbitmq',
  outputs: [{ property: 'hosts', doc: "Every RabbitMQ node's AMQP address (RABBITMQ_HOSTS for clients in the namespace): the client fails over between them." }],
  files(spec: StackSpec) {
    const topology = k8sTopology();
    const clustered = rabbitNodeCount(spec) > 1;
    return {
      'rabbitmq.conf': rabbitConf(spec, topology, { discovery: 'k8s' }),
      // The discovery backend must be enabled before a node's first boot.
      enabled_plugins: enabledPluginsFile(spec, clustered ? ['rabbitmq_peer_discovery_k8s'] : []),
      'definitions.json': `${JSON.stringify(rabbitDefinitions(spec), null, 2)}\n`,
      'entrypoint.sh': rabbitEntrypoint(),
      'init.sh': rabbitInitScript(spec, topology),
    };
  },
  settings(spec: StackSpec): RabbitK8sSettings {
    const settings = settingsOf(spec, 'rabbitmq');
    const secrets = rabbitmqConnection.secrets(spec).map((s) => s.env);
    const ports = rabbitPorts(spec);
    if (!secrets.includes(COOKIE_ENV)) throw new Error(`rabbitmq: the broker module no longer declares ${COOKIE_ENV}`);
    return {
      image: IMAGES.rabbitmq,
      version: imageVersion(IMAGES.rabbitmq),
      user: RABBITMQ_USER,
      workload: workload(spec.profile, rabbitNodeCount(spec), scalingOf(spec, 'rabbitmq').resources),
      ports: {
        amqp: ports.amqp,
        management: ports.management,
        prometheus: ports.prometheus,
        mqtt: settings.plugins.includes('rabbitmq_mqtt') ? ports.mqtt : null,
        dist: RABBITMQ_PORTS.dist,
        epmd: EPMD_PORT,
      },
      paths: { ...RABBITMQ_PATHS },
      nodeSuffix: `.${headlessServiceName('rabbitmq')}`,
      vhost: settings.vhost,
      secrets: { dir: RABBITMQ_SECRETS_DIR, server: [COOKIE_ENV], init: secrets },
      tls: rabbitTls(spec) ? { secretName: tlsSecretName('rabbitmq'), mountPath: RABBITMQ_TLS_FILES.ca.replace(/\/[^/]+$/, '') } : null,
    };
  },
  readme(spec: StackSpec): string {
    const scaling = scalingOf(spec, 'rabbitmq');
    const nodes = rabbitNodeCount(spec);
    const shape = nodes > 1 ? `${nodes} nodes clustered by \`rabbitmq_peer_discovery_k8s\` (no Kubernetes API access needed since RabbitMQ 4.1)` : 'one node';
    const port = rabbitPorts(spec).amqp;
    const hosts = Array.from({ length: nodes }, (_, i) => `rabbitmq-${i}.${headlessServiceName('rabbitmq')}:${port}`).join(',');
    const tls = rabbitTls(spec)
      ? ` TLS only: AMQPS on ${port} and the management API over HTTPS on ${rabbitPorts(spec).management}, with the cert-manager Secret \`${tlsSecretName('rabbitmq')}\` mounted at ${RABBITMQ_TLS_FILES.ca.replace(/\/[^/]+$/, '')}; clients use \`amqps://\` and trust its \`ca.crt\` (\`RABBITMQ_CA_FILE\`).`
      : '';
    return `**RabbitMQ** (${spec.profile}): StatefulSet \`rabbitmq\` with ${shape}, ${scaling.queueType} queues, ${scaling.resources.storage} per node; definitions (vhost \`${settingsOf(spec, 'rabbitmq').vhost}\`, exchanges, queues, policies) are imported at boot and the Job \`rabbitmq-init\` creates the users (\`app\`, \`monitor\`, \`backup\`, \`admin\`) from the Secret, mounted as files. Clients in the namespace set \`RABBITMQ_HOSTS=${hosts}\` (the stack output \`rabbitmqHosts\`: every pod, so a client moves to another node when its own dies) with \`RABBITMQ_URL\` on the Service \`rabbitmq:${port}\`.${tls}`;
  },
};
