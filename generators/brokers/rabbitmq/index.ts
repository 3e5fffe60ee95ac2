/** RabbitMQ with the management and Prometheus plugins: its part of every area. */
import type { BrokerPlugin } from '../plugin.ts';
import { rabbitmqAsyncApi } from './asyncapi.ts';
import { rabbitmqBackup } from './backup.ts';
import { rabbitmqClient } from './client.ts';
import { rabbitmqCompose } from './compose.ts';
import { rabbitmqConnection } from './connection.ts';
import { rabbitmqK8s } from './k8s.ts';
import { rabbitmqMonitoring } from './monitoring.ts';
import { rabbitmqTls } from './tls.ts';

export const rabbitmq: BrokerPlugin<'rabbitmq'> = {
  id: 'rabbitmq',
  names: { short: 'RabbitMQ', className: 'Rabbitmq', constName: 'RABBITMQ', endpointDoc: 'RabbitMQ AMQP address for clients in the namespace.' },
  connection: rabbitmqConnection,
  compose: rabbitmqCompose,
  k8s: rabbitmqK8s,
  client: rabbitmqClient,
  monitoring: rabbitmqMonitoring,
  backup: rabbitmqBackup,
  tls: rabbitmqTls,
  asyncapi: rabbitmqAsyncApi,
};
