import type { BrokerId } from './brokers.ts';

/** The guide's Performance Benchmarks (Typical) table, as numbers the benchmarks compare against. */
export interface PerformanceRow {
  readonly system: string;
  readonly broker: BrokerId;
  /** Messages per second; the guide writes "1,000,000+" etc., so these are lower bounds. */
  readonly producerMsgsPerSec: number;
  readonly consumerMsgsPerSec: number;
  readonly p99LatencyMs: { readonly min: number; readonly max: number };
  readonly guideText: { readonly throughput: string; readonly p99: string };
}

export const PERFORMANCE: readonly PerformanceRow[] = [
  {
    system: 'Kafka',
    broker: 'kafka',
    producerMsgsPerSec: 1_000_000,
    consumerMsgsPerSec: 1_000_000,
    p99LatencyMs: { min: 5, max: 20 },
    guideText: { throughput: '1,000,000+', p99: '5-20ms' },
  },
  {
    system: 'RabbitMQ',
    broker: 'rabbitmq',
    producerMsgsPerSec: 20_000,
    consumerMsgsPerSec: 20_000,
    p99LatencyMs: { min: 1, max: 5 },
    guideText: { throughput: '20,000-50,000', p99: '1-5ms' },
  },
  {
    system: 'Redis Pub/Sub',
    broker: 'redis',
    producerMsgsPerSec: 500_000,
    consumerMsgsPerSec: 500_000,
    p99LatencyMs: { min: 0, max: 1 },
    guideText: { throughput: '500,000+', p99: '< 1ms' },
  },
  {
    system: 'Redis Streams',
    broker: 'redis',
    producerMsgsPerSec: 100_000,
    consumerMsgsPerSec: 100_000,
    p99LatencyMs: { min: 1, max: 2 },
    guideText: { throughput: '100,000+', p99: '1-2ms' },
  },
];

export type Level = 'Low' | 'Low-Medium' | 'Medium' | 'High' | 'Very High';

/** The guide's Resource Usage table; sizing of requests/limits follows it. */
export interface ResourceUsage {
  readonly memory: Level;
  readonly disk: Level;
  readonly cpu: Level;
  readonly note: string;
}

export const RESOURCE_USAGE: Readonly<Record<BrokerId, ResourceUsage>> = {
  kafka: { memory: 'Medium', disk: 'High', cpu: 'Medium', note: 'disk-heavy: log retention' },
  rabbitmq: { memory: 'High', disk: 'Medium', cpu: 'Low-Medium', note: 'memory for queues' },
  redis: { memory: 'Very High', disk: 'Low-Medium', cpu: 'Low', note: 'memory-heavy: the data set lives in memory' },
};

/** The guide's Monitoring Essentials table: the metrics every emitted dashboard and alert set covers. */
export const MONITORING_METRICS = {
  kafka: ['consumer-lag', 'under-replicated-partitions', 'request-latency'],
  rabbitmq: ['queue-depth', 'message-rates', 'connection-count', 'memory-usage'],
  redis: ['memory-usage', 'keyspace-hit-ratio', 'connected-clients'],
} as const satisfies Record<BrokerId, readonly string[]>;

export type MonitoredMetric<B extends BrokerId> = (typeof MONITORING_METRICS)[B][number];

export const MONITORING_TEXT: Readonly<Record<BrokerId, string>> = {
  kafka: 'Consumer lag, under-replicated partitions, request latency',
  rabbitmq: 'Queue depth, message rates, connection count, memory usage',
  redis: 'Memory usage, keyspace hits/misses, connected clients',
};

/** The guide's Backup & Recovery table. */
export const BACKUP_STRATEGY: Readonly<Record<BrokerId, { readonly strategy: string; readonly mechanisms: readonly string[] }>> = {
  kafka: { strategy: 'Retention-based (messages persist), MirrorMaker for DR', mechanisms: ['retention', 'mirrormaker2'] },
  rabbitmq: { strategy: 'Shovel/Federation for replication, definition export', mechanisms: ['shovel', 'definitions-export'] },
  redis: { strategy: 'RDB snapshots, AOF persistence, Redis Sentinel/Cluster', mechanisms: ['rdb', 'aof', 'sentinel'] },
};

/** The guide's Scaling table. */
export const SCALING: Readonly<Record<BrokerId, { readonly horizontal: string }>> = {
  kafka: { horizontal: 'Add partitions + brokers, rebalance consumers' },
  rabbitmq: { horizontal: 'Add nodes to cluster, use quorum queues' },
  redis: { horizontal: 'Cluster mode with hash slots, read replicas' },
};
