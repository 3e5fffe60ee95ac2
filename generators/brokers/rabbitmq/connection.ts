/** RabbitMQ with the management and Prometheus plugins. */
import { settingsOf } from '../../stack/index.ts';
import type { BrokerConnection } from '../types.ts';

export const APP_USER = 'app';
/** The administrator (management UI, operators). */
export const ADMIN_USER = 'admin';

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
      value: (s) => `amqp://${APP_USER}:${s.RABBITMQ_PASSWORD}@127.0.0.1:5672/${encodeURIComponent(settingsOf(spec, 'rabbitmq').vhost)}`,
    },
  ],
};
