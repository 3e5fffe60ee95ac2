/**
 * RabbitMQ's principals, secrets and connection settings. One user per component, each with only
 * what its job needs on the stack's vhost (RabbitMQ's configure/write/read regexes):
 * - `app` (the generated clients): declares, writes to and reads from exactly the stack's
 *   exchanges and queues (regexes built from the spec's topology), nothing else;
 * - `monitor` (Prometheus, the metrics endpoint): tag `monitoring`, no permission on any vhost, so
 *   it sees metrics and object lists but can read no message and publish nothing;
 * - `backup` (the definitions export): tag `management` and permissions that match no resource
 *   (`^$`), so it may list the vhost's exchanges, queues, bindings and policies and nothing more;
 * - `admin` (tag `administrator`): the init step's bootstrap and operators' restores only.
 * guest is never created (definitions are imported at boot).
 */
import { channelsOf, settingsOf, scalingOf, type StackSpec } from '../../stack/index.ts';
import type { BrokerConnection } from '../types.ts';
import { rabbitTopology } from './topology.ts';

export const APP_USER = 'app';
/** The administrator (bootstrap, restores, operators). */
export const ADMIN_USER = 'admin';
/** Prometheus' login to the metrics endpoint (tag `monitoring`). */
export const MONITOR_USER = 'monitor';
/** The scheduled definitions export (tag `management`, no resource). */
export const BACKUP_USER = 'backup';

/** RabbitMQ's permission triple on a vhost: regexes of the resource names a user may configure, write to, read from. */
export interface RabbitPermissions {
  readonly configure: string;
  readonly write: string;
  readonly read: string;
}

/** A user of the stack: created by the init step from a secret file, never in a committed file. */
export interface RabbitUser {
  readonly name: string;
  /** The .env key (and Kubernetes Secret key, compose secret) of its password. */
  readonly passwordEnv: string;
  readonly tags: readonly string[];
  /** On the stack's vhost; null: none at all (the user cannot even open a connection to it). */
  readonly permissions: RabbitPermissions | null;
  readonly purpose: string;
}

const EVERYTHING: RabbitPermissions = { configure: '.*', write: '.*', read: '.*' };
/** Matches no resource name: vhost access for the management API's listings, nothing else. */
const NOTHING = '^$';

function regexEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `^(a|b)$` of exactly these names (sorted, unique); `^$` when there are none. */
export function exactNames(names: readonly string[]): string {
  const unique = [...new Set(names)].sort();
  return unique.length === 0 ? NOTHING : `^(${unique.map(regexEscape).join('|')})$`;
}

/**
 * The application's permissions, from the topology the client declares on connect:
 * - configure: the stack's own exchanges (dead-letter ones too) and queues (exchange.declare and
 *   queue.declare need it; the predeclared amq.* exchanges are never declared);
 * - write: every exchange it publishes to (amq.default for RPC requests and replies, amq.topic for
 *   MQTT devices), its dead-letter exchanges (declaring a queue with x-dead-letter-exchange needs
 *   write on it) and its queues (queue.bind needs write on the queue);
 * - read: its queues (consume, get) and the exchanges it binds them to (queue.bind reads the source).
 * Replies of RPC come through direct reply-to, a pseudo-queue that needs no permission.
 */
export function appPermissions(spec: StackSpec): RabbitPermissions {
  const topology = rabbitTopology(spec);
  const channels = channelsOf(spec, 'rabbitmq');
  const own = topology.exchanges.map((e) => e.name);
  const queues = topology.queues.map((q) => q.name);
  const published = channels.flatMap((c) => (c.kind === 'queue' ? [c.exchange] : ['amq.default']));
  const mqtt = settingsOf(spec, 'rabbitmq').plugins.includes('rabbitmq_mqtt') ? ['amq.topic'] : [];
  const sources = topology.bindings.map((b) => b.source);
  return {
    configure: exactNames([...own, ...queues]),
    write: exactNames([...own, ...published, ...mqtt, ...queues]),
    read: exactNames([...queues, ...sources]),
  };
}

/** The stack's principals (their passwords are secrets of every stack with RabbitMQ, whatever its channels). */
const PRINCIPALS = [
  { name: APP_USER, passwordEnv: 'RABBITMQ_PASSWORD', tags: [], purpose: "the application: its channels' exchanges and queues only" },
  { name: ADMIN_USER, passwordEnv: 'RABBITMQ_ADMIN_PASSWORD', tags: ['administrator'], purpose: 'bootstrap (init step), restores and operators' },
  { name: MONITOR_USER, passwordEnv: 'RABBITMQ_MONITOR_PASSWORD', tags: ['monitoring'], purpose: 'metrics and overview (management API); reads no message' },
  { name: BACKUP_USER, passwordEnv: 'RABBITMQ_BACKUP_PASSWORD', tags: ['management'], purpose: "the definitions export: lists the vhost's objects, reads and publishes no message" },
] as const;

/** The stack's users and what each may do; the init step and the restore script apply exactly these. */
export function rabbitUsers(spec: StackSpec): RabbitUser[] {
  const permissions: Readonly<Record<string, RabbitPermissions | null>> = {
    [ADMIN_USER]: EVERYTHING,
    [APP_USER]: appPermissions(spec),
    [MONITOR_USER]: null,
    [BACKUP_USER]: { configure: NOTHING, write: NOTHING, read: NOTHING },
  };
  return PRINCIPALS.map((p) => ({ ...p, tags: [...p.tags], permissions: permissions[p.name] ?? null }));
}

/** Whether the stack's listeners speak TLS (prod) or plain TCP on loopback (dev). */
export function rabbitTls(spec: StackSpec): boolean {
  return spec.profile === 'prod';
}

/**
 * Host ports of node `ordinal` under docker compose. dev (plain): 5672, 15672, 1883 for node 1,
 * +1 per node. prod (TLS only): AMQPS 5671, HTTPS 15671, MQTTS 8883 for node 1, +10 per node (so
 * no TLS port of a cluster lands on the well-known plain 5672).
 */
export function rabbitHostPorts(spec: StackSpec, ordinal: number): { amqp: number; management: number; mqtt: number } {
  return rabbitTls(spec)
    ? { amqp: 5671 + 10 * ordinal, management: 15671 + 10 * ordinal, mqtt: 8883 + 10 * ordinal }
    : { amqp: 5672 + ordinal, management: 15672 + ordinal, mqtt: 1883 + ordinal };
}

/** Every node's AMQP address as published on the host: the client fails over between them. */
function hostList(spec: StackSpec): string {
  return Array.from({ length: scalingOf(spec, 'rabbitmq').nodes }, (_, i) => `127.0.0.1:${rabbitHostPorts(spec, i).amqp}`).join(',');
}

/** The project's CA certificate, relative to the project root (the clients run from there). */
export const RABBITMQ_CA_PATH = 'secrets/tls/ca.crt';

export const rabbitmqConnection: BrokerConnection = {
  secrets: () => [
    ...PRINCIPALS.map((u) => ({ env: u.passwordEnv, description: `Password of the RabbitMQ user "${u.name}" (${u.purpose})` })),
    { env: 'RABBITMQ_ERLANG_COOKIE', description: 'Shared secret of the RabbitMQ cluster nodes and CLI tools' },
  ],
  connection: (spec) => [
    {
      env: 'RABBITMQ_URL',
      description: rabbitTls(spec) ? 'AMQPS URL of the application user (TLS, the server certificate checked against RABBITMQ_CA_FILE and the host name)' : 'AMQP URL of the application user',
      secret: true,
      value: (s) => `${rabbitTls(spec) ? 'amqps' : 'amqp'}://${APP_USER}:${s.RABBITMQ_PASSWORD}@127.0.0.1:${rabbitHostPorts(spec, 0).amqp}/${encodeURIComponent(settingsOf(spec, 'rabbitmq').vhost)}`,
    },
    {
      env: 'RABBITMQ_HOSTS',
      description: "Every RabbitMQ node's AMQP address (host:port, comma-separated): the client connects to the first that answers and fails over to the others; RABBITMQ_URL gives the user, password and vhost",
      secret: false,
      value: () => hostList(spec),
    },
    ...(rabbitTls(spec)
      ? [{ env: 'RABBITMQ_CA_FILE', description: 'The CA certificate (PEM) the RabbitMQ server certificates are checked against', secret: false, value: () => RABBITMQ_CA_PATH }]
      : []),
  ],
};
