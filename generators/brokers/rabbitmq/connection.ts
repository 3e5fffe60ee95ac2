/** RabbitMQ with the management and Prometheus plugins. */
import { scalingOf, settingsOf, type StackSpec } from '../../stack/index.ts';
import type { BrokerConnection } from '../types.ts';

export const APP_USER = 'app';
/** The administrator (management UI, operators). */
export const ADMIN_USER = 'admin';

/** RabbitMQ's permission triple on a vhost: regexes of the resource names a user may configure, write to, read from. */
export interface RabbitPermissions {
  readonly configure: string;
  readonly write: string;
  readonly read: string;
}

/** A user of the stack: created by the init step from `.env`, never in a committed file. */
export interface RabbitUser {
  readonly name: string;
  /** The .env key (and Kubernetes Secret key) of its password. */
  readonly passwordEnv: string;
  readonly tags: readonly string[];
  /** On the stack's vhost. */
  readonly permissions: RabbitPermissions;
}

const EVERYTHING: RabbitPermissions = { configure: '.*', write: '.*', read: '.*' };

/** The stack's users and what each may do; the init step and the restore script apply exactly these. */
export function rabbitUsers(): RabbitUser[] {
  return [
    { name: ADMIN_USER, passwordEnv: 'RABBITMQ_ADMIN_PASSWORD', tags: ['administrator'], permissions: EVERYTHING },
    { name: APP_USER, passwordEnv: 'RABBITMQ_PASSWORD', tags: [], permissions: EVERYTHING },
  ];
}

/** Host ports of node `ordinal` under docker compose (node 1: 5672, 15672, 1883; node 2: 5673, 15673, 1884; ...). */
export function rabbitHostPorts(ordinal: number): { amqp: number; management: number; mqtt: number } {
  return { amqp: 5672 + ordinal, management: 15672 + ordinal, mqtt: 1883 + ordinal };
}

/** Every node's AMQP address as published on the host: the client fails over between them. */
function hostList(spec: StackSpec): string {
  return Array.from({ length: scalingOf(spec, 'rabbitmq').nodes }, (_, i) => `127.0.0.1:${rabbitHostPorts(i).amqp}`).join(',');
}

export const rabbitmqConnection: BrokerConnection = {
  secrets: () => [
    { env: 'RABBITMQ_PASSWORD', description: `Password of the RabbitMQ application user "${APP_USER}"` },
    { env: 'RABBITMQ_ADMIN_PASSWORD', description: `Password of the RabbitMQ administrator "${ADMIN_USER}" (management UI)` },
    { env: 'RABBITMQ_ERLANG_COOKIE', description: 'Shared secret of the RabbitMQ cluster nodes and CLI tools' },
  ],
  connection: (spec) => [
    {
      env: 'RABBITMQ_URL',
      description: 'AMQP URL of the application user',
      secret: true,
      value: (s) => `amqp://${APP_USER}:${s.RABBITMQ_PASSWORD}@127.0.0.1:${rabbitHostPorts(0).amqp}/${encodeURIComponent(settingsOf(spec, 'rabbitmq').vhost)}`,
    },
    {
      env: 'RABBITMQ_HOSTS',
      description: "Every RabbitMQ node's AMQP address (host:port, comma-separated): the client connects to the first that answers and fails over to the others; RABBITMQ_URL gives the user, password and vhost",
      secret: false,
      value: () => hostList(spec),
    },
  ],
};
