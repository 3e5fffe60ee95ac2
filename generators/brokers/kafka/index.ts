/** Apache Kafka: KRaft, no ZooKeeper. */
import type { BrokerModule } from '../types.ts';

export const kafka: BrokerModule = {
  id: 'kafka',
  secrets: () => [],
  connection: () => [
    { env: 'KAFKA_BROKERS', description: 'Comma-separated Kafka bootstrap servers', secret: false, value: () => '127.0.0.1:9092' },
  ],
};
