/** Apache Kafka: KRaft, no ZooKeeper. */
import { scalingOf, type StackSpec } from '../../stack/index.ts';
import type { BrokerConnection } from '../types.ts';

/**
 * Host port of node `ordinal`'s client listener under docker compose: 9092, 9192, 9292, ...
 * (each node advertises its own, so a client on the host reaches every partition leader).
 * Steps of 100 keep clear of the monitoring ports next to 9092 (Prometheus 9090/9091, Alertmanager 9093).
 */
export function kafkaHostPort(ordinal: number): number {
  return 9092 + 100 * ordinal;
}

function hostBootstrap(spec: StackSpec): string {
  return Array.from({ length: scalingOf(spec, 'kafka').nodes }, (_, i) => `127.0.0.1:${kafkaHostPort(i)}`).join(',');
}

export const kafkaConnection: BrokerConnection = {
  secrets: () => [],
  connection: (spec) => [
    { env: 'KAFKA_BROKERS', description: 'Comma-separated Kafka bootstrap servers', secret: false, value: () => hostBootstrap(spec) },
  ],
};
