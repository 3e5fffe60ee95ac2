/** Apache Kafka: KRaft, no ZooKeeper. */
import { scalingOf, type StackSpec } from '../../stack/index.ts';
import { CA_FILES } from '../../emit/tls-model.ts';
import type { BrokerConnection } from '../types.ts';
import { KAFKA_PRINCIPALS, kafkaSecure, SCRAM_MECHANISM } from './security.ts';

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

/**
 * One password per principal (security.ts), used by prod; the client's user, mechanism and CA. The
 * connection variables exist in every profile (empty in dev), so switching profiles rewrites them.
 */
export const kafkaConnection: BrokerConnection = {
  // In every profile: the Kubernetes program deploys both profiles from one Secret (dev leaves them unused).
  secrets: () => Object.values(KAFKA_PRINCIPALS).map((p) => ({ env: p.env, description: p.description })),
  connection: (spec) => {
    const secure = kafkaSecure(spec);
    return [
      { env: 'KAFKA_BROKERS', description: 'Comma-separated Kafka bootstrap servers', secret: false, value: () => hostBootstrap(spec) },
      { env: 'KAFKA_SASL_USERNAME', description: `The Kafka user of the application (prod: ${KAFKA_PRINCIPALS.app.user}; empty: no SASL)`, secret: false, value: () => (secure ? KAFKA_PRINCIPALS.app.user : '') },
      { env: 'KAFKA_SASL_MECHANISM', description: 'The SASL mechanism (prod: SCRAM-SHA-512)', secret: false, value: () => (secure ? SCRAM_MECHANISM : '') },
      { env: 'KAFKA_CA_FILE', description: 'The CA the brokers\' certificates are verified against, relative to the project folder (prod; turns TLS on; empty: PLAINTEXT)', secret: false, value: () => (secure ? CA_FILES.cert : '') },
    ];
  },
};
