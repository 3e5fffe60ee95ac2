/**
 * RabbitMQ configuration from the spec: `rabbitmq.conf`, `enabled_plugins`, the definitions
 * (vhost, policies, and the exchanges/queues/bindings of ./topology.ts, the one source of queue
 * arguments that the generated clients declare too) imported at boot, and the
 * scripts that bring the Erlang cookie and the users in from secret files (<NAME>_FILE). Shared by the
 * compose and Kubernetes emitters; only the Topology (node host names) and the peer discovery
 * differ between them.
 *
 * Users are deliberately NOT in definitions.json: a definitions file would need the password or
 * its hash, and nothing secret may be committed. A node that imports definitions at boot creates
 * no default user either, so no guest/guest ever exists; the init script creates the users from
 * .env (compose secrets) or a Secret (Kubernetes, mounted as files) and re-sets their passwords on every run.
 * prod listens with TLS only (AMQPS, HTTPS, MQTTS), the material at RABBITMQ_TLS_FILES.
 */
import { channelsOf, durationMs, scalingOf, settingsOf, type StackSpec } from '../../stack/index.ts';
import { render } from '../../emit/render.ts';
import { enabledPluginsText, rabbitConfText, shellQuote, type ConfigSection } from '../formats.ts';
import type { Topology } from '../topology.ts';
import { rabbitTls, rabbitUsers } from './connection.ts';
import { rabbitTopology, type QueueArgument, type RabbitTopology } from './topology.ts';

/** Paths inside the official rabbitmq image. */
export const RABBITMQ_PATHS = {
  /**
   * The image loads /etc/rabbitmq/conf.d/*.conf after rabbitmq.conf, and its own 10-defaults.conf
   * sets `loopback_users.guest = false`; a later file in conf.d is the only way to win.
   */
  conf: '/etc/rabbitmq/conf.d/90-brokerplate.conf',
  enabledPlugins: '/etc/rabbitmq/enabled_plugins',
  definitions: '/etc/rabbitmq/definitions.json',
  scripts: '/usr/local/lib/brokerplate',
  data: '/var/lib/rabbitmq',
} as const;

export const RABBITMQ_PORTS = { amqp: 5672, management: 15672, prometheus: 15692, mqtt: 1883, dist: 25672 } as const;
/** prod: the TLS listeners instead (RabbitMQ's conventional ports); the plain ones are off. */
export const RABBITMQ_TLS_PORTS = { amqp: 5671, management: 15671, prometheus: 15691, mqtt: 8883 } as const;

/** The listener ports of a profile: TLS in prod, plain in dev. */
export function rabbitPorts(spec: StackSpec): { amqp: number; management: number; prometheus: number; mqtt: number } {
  return rabbitTls(spec) ? RABBITMQ_TLS_PORTS : RABBITMQ_PORTS;
}

/**
 * Where a node finds its TLS material, compose and Kubernetes alike (the mount of
 * generators/emit/tls-compose.ts and of the cert-manager Secret; test/tls/rabbitmq checks they agree).
 */
export const RABBITMQ_TLS_FILES = { ca: '/etc/brokerplate/tls/ca.crt', cert: '/etc/brokerplate/tls/tls.crt', key: '/etc/brokerplate/tls/tls.key' } as const;

/** Where passwords and the cookie are files, compose (`secrets:`) and Kubernetes (the Secret as a volume) alike. */
export const RABBITMQ_SECRETS_DIR = '/run/secrets';

/** The file of a secret (an .env name) inside a container: /run/secrets/<name in lower case>, as composeSecret() mounts it. */
export function rabbitSecretFile(env: string): string {
  return `${RABBITMQ_SECRETS_DIR}/${env.toLowerCase()}`;
}

/** TLS options of a listener family (`ssl_options`, `management.ssl`, `prometheus.ssl`, `mqtt.ssl`... share them). */
function tlsEntries(prefix: string): [string, string][] {
  return [
    [`${prefix}.cacertfile`, RABBITMQ_TLS_FILES.ca],
    [`${prefix}.certfile`, RABBITMQ_TLS_FILES.cert],
    [`${prefix}.keyfile`, RABBITMQ_TLS_FILES.key],
    [`${prefix}.versions.1`, 'tlsv1.3'],
    [`${prefix}.versions.2`, 'tlsv1.2'],
  ];
}

/** Always on: the management UI/API (and the definitions tooling) and the Prometheus endpoint. */
const BASE_PLUGINS = ['rabbitmq_management', 'rabbitmq_prometheus'] as const;

/** How cluster members find each other: a fixed node list (compose) or the Kubernetes API. */
export type RabbitPeerDiscovery = 'classic' | 'k8s';

export function rabbitNodeCount(spec: StackSpec): number {
  return scalingOf(spec, 'rabbitmq').nodes;
}

/** The Erlang node name of node `ordinal` (`rabbit@<host>`). */
export function rabbitNodeName(topology: Topology, ordinal: number): string {
  return `rabbit@${topology.host('rabbitmq', ordinal)}`;
}

export function rabbitPlugins(spec: StackSpec, extra: readonly string[] = []): string[] {
  return [...new Set([...BASE_PLUGINS, ...settingsOf(spec, 'rabbitmq').plugins, ...extra])].sort();
}

export function enabledPluginsFile(spec: StackSpec, extra: readonly string[] = []): string {
  return enabledPluginsText(rabbitPlugins(spec, extra));
}

/** Kubernetes-style quantity (512Mi, 2Gi) to bytes, for total_memory_available_override_value. */
export function quantityBytes(quantity: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
  if (!m?.[1]) throw new Error(`not a memory quantity: ${quantity}`);
  const unit: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Math.round(Number(m[1]) * (m[2] ? (unit[m[2]] ?? 1) : 1));
}

export interface RabbitConfOptions {
  readonly discovery: RabbitPeerDiscovery;
}

export function rabbitConfSections(spec: StackSpec, topology: Topology, options: RabbitConfOptions): ConfigSection[] {
  const settings = settingsOf(spec, 'rabbitmq');
  const scaling = scalingOf(spec, 'rabbitmq');
  const nodes = scaling.nodes;
  const sections: ConfigSection[] = [
    rabbitTls(spec)
      ? {
          comment:
            'Listeners: TLS only. No plain AMQP listener at all; the management API and the metrics endpoint over HTTPS only (Prometheus\n' +
            'checks the node against the stack CA). The node asks clients for a certificate and checks one that is presented\n' +
            '(verify_peer), without requiring it: users authenticate with passwords. Certificates: /etc/brokerplate/tls/ (see the README).',
          entries: [
            ['listeners.tcp', 'none'],
            ['listeners.ssl.default', String(RABBITMQ_TLS_PORTS.amqp)],
            ...tlsEntries('ssl_options'),
            ['ssl_options.verify', 'verify_peer'],
            ['ssl_options.fail_if_no_peer_cert', 'false'],
            ['management.ssl.port', String(RABBITMQ_TLS_PORTS.management)],
            ...tlsEntries('management.ssl'),
            ['prometheus.ssl.port', String(RABBITMQ_TLS_PORTS.prometheus)],
            ...tlsEntries('prometheus.ssl'),
            // The plugin always starts its plain listener too (its default tcp_config), which rabbitmq.conf cannot
            // remove: bound to the container's own loopback, no other container or pod reaches it.
            ['prometheus.tcp.ip', '127.0.0.1'],
            ['prometheus.tcp.port', String(RABBITMQ_PORTS.prometheus)],
            // Every scrape logs in as a user tagged monitoring (the init step's `monitor`).
            ['prometheus.authentication.enabled', 'true'],
          ],
        }
      : {
          comment: 'Listeners (dev: plain TCP; compose publishes them on 127.0.0.1 only)',
          entries: [
            ['listeners.tcp.default', String(RABBITMQ_PORTS.amqp)],
            ['management.tcp.port', String(RABBITMQ_PORTS.management)],
            ['prometheus.tcp.port', String(RABBITMQ_PORTS.prometheus)],
          ],
        },
    {
      comment: 'Access: guest may only ever log in from localhost (the image\'s conf.d default allows it from anywhere),\nand nobody logs in anonymously. Users come from the init step, with passwords from secret files.',
      entries: [
        ['loopback_users.guest', 'true'],
        // RabbitMQ 4: connections without credentials would act as this user; "none" refuses them.
        ['anonymous_login_user', 'none'],
      ],
    },
    {
      comment: 'Definitions (vhost, exchanges, queues, bindings, policies) imported at boot',
      entries: [['load_definitions', RABBITMQ_PATHS.definitions]],
    },
    {
      comment: `Resources: the container limit (${scaling.resources.limits.memory}) is what the node may use;\npublishers are blocked at 60% of it, leaving room for the Erlang VM and the page cache.`,
      entries: [
        ['total_memory_available_override_value', String(quantityBytes(scaling.resources.limits.memory))],
        ['vm_memory_high_watermark.relative', '0.6'],
        ['disk_free_limit.absolute', spec.profile === 'prod' ? '2GB' : '256MB'],
      ],
    },
  ];
  if (nodes > 1) {
    const discovery: (readonly [string, string])[] =
      options.discovery === 'classic'
        ? [
            ['cluster_formation.peer_discovery_backend', 'classic_config'],
            ...Array.from({ length: nodes }, (_, i) => [`cluster_formation.classic_config.nodes.${i + 1}`, rabbitNodeName(topology, i)] as const),
          ]
        : [['cluster_formation.peer_discovery_backend', 'k8s']];
    sections.push({
      comment: `Cluster of ${nodes} nodes. pause_minority: a node cut off from the majority stops serving rather than diverging.\nContinuous membership reconciliation: every quorum queue grows to ${Math.min(nodes, 3)} members on its own, on whichever node\nit was first declared (10 s after a node joins, and hourly), so no script has to name nodes.`,
      entries: [
        ...discovery,
        ['cluster_partition_handling', 'pause_minority'],
        ['quorum_queue.continuous_membership_reconciliation.enabled', 'true'],
        ['quorum_queue.continuous_membership_reconciliation.target_group_size', String(Math.min(nodes, 3))],
      ],
    });
  }
  if (settings.plugins.includes('rabbitmq_mqtt')) {
    sections.push({
      comment: 'MQTT: devices publish to amq.topic in this vhost (topic sensors/a/b becomes routing key sensors.a.b); no anonymous devices',
      entries: [
        ...(rabbitTls(spec)
          ? ([['mqtt.listeners.tcp', 'none'], ['mqtt.listeners.ssl.default', String(RABBITMQ_TLS_PORTS.mqtt)]] as const)
          : ([['mqtt.listeners.tcp.default', String(RABBITMQ_PORTS.mqtt)]] as const)),
        ['mqtt.allow_anonymous', 'false'],
        ['mqtt.vhost', settings.vhost],
        ['mqtt.exchange', 'amq.topic'],
      ],
    });
  }
  sections.push({ comment: 'Logs to the console (docker logs / kubectl logs)', entries: [['log.console', 'true'], ['log.console.level', 'info'], ['log.file', 'false']] });
  return sections;
}

export function rabbitConf(spec: StackSpec, topology: Topology, options: RabbitConfOptions): string {
  const header = `Generated by brokerplate from brokerplate.yaml (profile: ${spec.profile}).\nEdit brokerplate.yaml and re-run brokerplate instead of editing this file.`;
  return rabbitConfText(header, rabbitConfSections(spec, topology, options));
}

// ---------------------------------------------------------------- definitions

export type RabbitArgument = QueueArgument;

export interface RabbitQueueDefinition {
  readonly name: string;
  readonly vhost: string;
  readonly durable: boolean;
  readonly auto_delete: boolean;
  readonly arguments: Readonly<Record<string, RabbitArgument>>;
}

export interface RabbitExchangeDefinition {
  readonly name: string;
  readonly vhost: string;
  readonly type: string;
  readonly durable: boolean;
  readonly auto_delete: boolean;
  readonly internal: boolean;
  readonly arguments: Readonly<Record<string, RabbitArgument>>;
}

export interface RabbitBindingDefinition {
  readonly source: string;
  readonly vhost: string;
  readonly destination: string;
  readonly destination_type: 'queue';
  readonly routing_key: string;
  readonly arguments: Readonly<Record<string, RabbitArgument>>;
}

export interface RabbitPolicyDefinition {
  readonly vhost: string;
  readonly name: string;
  readonly pattern: string;
  readonly 'apply-to': 'queues' | 'exchanges' | 'all';
  readonly definition: Readonly<Record<string, RabbitArgument>>;
  readonly priority: number;
}

export interface RabbitDefinitions {
  readonly vhosts: readonly { readonly name: string }[];
  readonly exchanges: readonly RabbitExchangeDefinition[];
  readonly queues: readonly RabbitQueueDefinition[];
  readonly bindings: readonly RabbitBindingDefinition[];
  readonly policies: readonly RabbitPolicyDefinition[];
}

/** RabbitMQ 4's default, made explicit so a 3.x quorum queue behaves the same (3.x redelivers forever). */
export const QUORUM_DELIVERY_LIMIT = 20;

function regexEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function namesPattern(names: readonly string[]): string {
  return `^(${names.map(regexEscape).join('|')})$`;
}

/**
 * Policies add what can change without redeclaring a queue (queue arguments are immutable and
 * shared with the generated clients through ./topology.ts):
 * - quorum queues with a dead-letter exchange hand dead letters over with publisher confirms
 *   (at-least-once, which needs reject-publish overflow) and dead-letter a message after
 *   QUORUM_DELIVERY_LIMIT redeliveries instead of looping on a poison message;
 * - RPC request queues drop requests older than the caller's timeout: nobody waits for the reply.
 */
export function rabbitPolicies(spec: StackSpec, topology: RabbitTopology = rabbitTopology(spec)): RabbitPolicyDefinition[] {
  const vhost = settingsOf(spec, 'rabbitmq').vhost;
  const policies: RabbitPolicyDefinition[] = [];
  const deadLettering = topology.queues.filter((q) => q.arguments['x-queue-type'] === 'quorum' && q.arguments['x-dead-letter-exchange'] !== undefined).map((q) => q.name);
  if (deadLettering.length > 0) {
    policies.push({
      vhost,
      name: 'quorum-dead-lettering',
      pattern: namesPattern(deadLettering),
      'apply-to': 'queues',
      definition: { 'dead-letter-strategy': 'at-least-once', overflow: 'reject-publish', 'delivery-limit': QUORUM_DELIVERY_LIMIT },
      priority: 1,
    });
  }
  for (const rpc of channelsOf(spec, 'rabbitmq').filter((c) => c.kind === 'rpc')) {
    policies.push({ vhost, name: `rpc-${rpc.name}`, pattern: namesPattern([rpc.name]), 'apply-to': 'queues', definition: { 'message-ttl': durationMs(rpc.timeout) }, priority: 1 });
  }
  return policies;
}

/**
 * definitions.json: the vhost and the topology (exchanges, queues with their arguments, bindings)
 * every client also declares, plus the policies. No users and no permissions: see the file header.
 */
export function rabbitDefinitions(spec: StackSpec): RabbitDefinitions {
  const vhost = settingsOf(spec, 'rabbitmq').vhost;
  const topology = rabbitTopology(spec);
  return {
    vhosts: [{ name: vhost }],
    exchanges: topology.exchanges.map((e) => ({ name: e.name, vhost, type: e.type, durable: e.durable, auto_delete: e.auto_delete, internal: e.internal, arguments: e.arguments })),
    queues: topology.queues.map((q) => ({ name: q.name, vhost, durable: q.durable, auto_delete: q.auto_delete, arguments: q.arguments })),
    bindings: topology.bindings.map((b) => ({ source: b.source, vhost, destination: b.destination, destination_type: b.destination_type, routing_key: b.routing_key, arguments: b.arguments })),
    policies: rabbitPolicies(spec, topology),
  };
}

// ---------------------------------------------------------------- scripts

/** The server container's entrypoint: writes the Erlang cookie from its secret file, then runs the image's entrypoint. */
export function rabbitEntrypoint(): string {
  return render('config/rabbitmq/entrypoint.sh', { data: RABBITMQ_PATHS.data });
}

/**
 * The one-shot init step: waits for the node, then creates or updates every user of
 * rabbitUsers() from its password file (password, tags, permissions on the vhost). Quorum queues
 * need nothing from it: continuous membership reconciliation (rabbitmq.conf) grows each one to
 * the target size on whichever nodes it was declared, and again when a node joins.
 */
export function rabbitInitScript(spec: StackSpec, topology: Topology): string {
  const users = rabbitUsers(spec);
  return render('config/rabbitmq/init.sh', {
    profile: spec.profile,
    vhost: shellQuote(settingsOf(spec, 'rabbitmq').vhost),
    nodes: shellQuote(Array.from({ length: rabbitNodeCount(spec) }, (_, i) => rabbitNodeName(topology, i)).join(' ')),
    users: users.map((u) => ({
      name: shellQuote(u.name),
      passwordEnv: u.passwordEnv,
      tags: shellQuote(u.tags.join(' ')),
      permissions: u.permissions && { configure: shellQuote(u.permissions.configure), write: shellQuote(u.permissions.write), read: shellQuote(u.permissions.read) },
    })),
  });
}

/** The environment that points a script at its secret files (`<ENV>_FILE=/run/secrets/<env>`), compose and Kubernetes alike. */
export function secretFileEnv(envs: readonly string[]): Record<string, string> {
  return Object.fromEntries(envs.map((e) => [`${e}_FILE`, rabbitSecretFile(e)]));
}
