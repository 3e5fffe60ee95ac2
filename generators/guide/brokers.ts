/**
 * The three brokers the guide compares, and its Quick Comparison Table.
 * Everything else in the guide is keyed by these ids.
 */
export const BROKER_IDS = ['kafka', 'rabbitmq', 'redis'] as const;
export type BrokerId = (typeof BROKER_IDS)[number];

export function isBrokerId(value: string): value is BrokerId {
  return (BROKER_IDS as readonly string[]).includes(value);
}

export interface BrokerProfile {
  readonly title: string;
  readonly primaryUse: string;
  readonly retention: string;
  readonly throughput: string;
  readonly latency: string;
  readonly ordering: string;
  readonly replay: string;
  readonly protocol: string;
  readonly clustering: string;
  readonly learningCurve: string;
  /** The guide's Architecture Patterns summary. */
  readonly model: string;
}

export const BROKERS: Readonly<Record<BrokerId, BrokerProfile>> = {
  kafka: {
    title: 'Apache Kafka',
    primaryUse: 'Event streaming',
    retention: 'Long-term (configurable)',
    throughput: 'Very High (millions/sec)',
    latency: 'Low-Medium (ms)',
    ordering: 'Per partition',
    replay: 'Yes (native)',
    protocol: 'Custom (Kafka Protocol)',
    clustering: 'Native',
    learningCurve: 'Steep',
    model: 'Log-based: producers append to partitioned topics; consumer groups track their own offsets, and several groups can read the same data.',
  },
  rabbitmq: {
    title: 'RabbitMQ',
    primaryUse: 'Message queuing',
    retention: 'Until consumed',
    throughput: 'Medium (tens of thousands/sec)',
    latency: 'Very Low (sub-ms)',
    ordering: 'Per queue',
    replay: 'No (without plugins)',
    protocol: 'AMQP, MQTT, STOMP',
    clustering: 'Native (Quorum Queues)',
    learningCurve: 'Moderate',
    model: 'Queue-based: publishers send to exchanges that route (direct, topic, fanout, headers) into queues; messages leave a queue once acknowledged.',
  },
  redis: {
    title: 'Redis (Pub/Sub & Streams)',
    primaryUse: 'Caching + messaging',
    retention: 'Ephemeral (Pub/Sub) / Configurable (Streams)',
    throughput: 'Very High (hundreds of thousands/sec)',
    latency: 'Ultra-Low (sub-ms)',
    ordering: 'Per stream/channel',
    replay: 'Yes (Streams only)',
    protocol: 'RESP',
    clustering: 'Cluster mode',
    learningCurve: 'Easy',
    model: 'In-memory: Pub/Sub is fire-and-forget with no persistence; Streams are persistent logs with consumer groups, like Kafka but simpler.',
  },
};
