/** Apache Kafka (KRaft, no ZooKeeper): its part of every area. */
import type { BrokerPlugin } from '../plugin.ts';
import { kafkaAsyncApi } from './asyncapi.ts';
import { kafkaBackup } from './backup.ts';
import { kafkaClient } from './client.ts';
import { kafkaCompose } from './compose.ts';
import { kafkaConnection } from './connection.ts';
import { kafkaK8s } from './k8s.ts';
import { kafkaMonitoring } from './monitoring.ts';
import { kafkaTls } from './tls.ts';

export const kafka: BrokerPlugin<'kafka'> = {
  id: 'kafka',
  names: { short: 'Kafka', className: 'Kafka', constName: 'KAFKA', endpointDoc: 'Kafka bootstrap servers for clients in the namespace.' },
  connection: kafkaConnection,
  compose: kafkaCompose,
  k8s: kafkaK8s,
  client: kafkaClient,
  monitoring: kafkaMonitoring,
  backup: kafkaBackup,
  tls: kafkaTls,
  asyncapi: kafkaAsyncApi,
};
