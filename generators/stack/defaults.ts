/**
 * Per-profile defaults for the spec's scaling and operations knobs.
 * Sizes follow the guide's Resource Usage table: Kafka is disk-heavy, RabbitMQ needs memory
 * for queues, Redis holds its whole data set in memory.
 */
import type { BrokerId, ScenarioId } from '../guide/index.ts';
import type {
  BackupSpec,
  BrokerSettingsMap,
  KafkaSettings,
  MonitoringSpec,
  RabbitSettings,
  RedisRole,
  RedisSettings,
  Resources,
  Thresholds,
} from './types.ts';

function resources(cpu: [string, string], memory: [string, string], storage: string): Resources {
  return { requests: { cpu: cpu[0], memory: memory[0] }, limits: { cpu: cpu[1], memory: memory[1] }, storage };
}

export function kafkaDefaults(): KafkaSettings {
  return {
    dev: { nodes: 1, partitions: 3, replicationFactor: 1, minInsyncReplicas: 1, resources: resources(['250m', '1'], ['1Gi', '1Gi'], '5Gi') },
    prod: { nodes: 3, partitions: 6, replicationFactor: 3, minInsyncReplicas: 2, resources: resources(['1', '2'], ['4Gi', '4Gi'], '100Gi') },
  };
}

export function rabbitmqDefaults(scenario: ScenarioId, name: string): RabbitSettings {
  return {
    vhost: name,
    // The guide recommends RabbitMQ for IoT because of its MQTT support.
    plugins: scenario === 'iot-mqtt' ? ['rabbitmq_mqtt'] : [],
    dev: { nodes: 1, queueType: 'classic', resources: resources(['100m', '1'], ['512Mi', '512Mi'], '2Gi') },
    prod: { nodes: 3, queueType: 'quorum', resources: resources(['500m', '2'], ['2Gi', '2Gi'], '20Gi') },
  };
}

/** Streams and work queues must never be evicted; a cache should be. */
export function redisDefaults(role: RedisRole): RedisSettings {
  return {
    role,
    persistence: role === 'queue' ? 'rdb+aof' : 'rdb',
    evictionPolicy: role === 'queue' ? 'noeviction' : 'allkeys-lru',
    dev: { mode: 'standalone', replicas: 0, sentinels: 0, shards: 0, maxmemory: '384mb', resources: resources(['100m', '500m'], ['512Mi', '512Mi'], '1Gi') },
    prod: { mode: 'sentinel', replicas: 2, sentinels: 3, shards: 0, maxmemory: '3gb', resources: resources(['250m', '1'], ['4Gi', '4Gi'], '10Gi') },
  };
}

export function brokerDefaults<B extends BrokerId>(broker: B, scenario: ScenarioId, name: string, redisRole: RedisRole): BrokerSettingsMap[B] {
  const table: { [K in BrokerId]: () => BrokerSettingsMap[K] } = {
    kafka: kafkaDefaults,
    rabbitmq: () => rabbitmqDefaults(scenario, name),
    redis: () => redisDefaults(redisRole),
  };
  return table[broker]();
}

export function defaultThresholds(): Thresholds {
  return {
    kafkaConsumerLag: 10_000,
    kafkaUnderReplicatedPartitions: 0,
    kafkaRequestLatencyP99Ms: 100,
    rabbitmqQueueDepth: 10_000,
    rabbitmqUnackedMessages: 5_000,
    rabbitmqConnections: 1_000,
    rabbitmqMemoryRatio: 0.8,
    redisMemoryRatio: 0.85,
    redisHitRatio: 0.8,
    redisConnectedClients: 5_000,
    backupMaxAgeHours: 26,
  };
}

export function monitoringDefaults(): MonitoringSpec {
  return { enabled: true, thresholds: defaultThresholds() };
}

export function backupDefaults(): BackupSpec {
  return { enabled: true, schedule: '15 3 * * *', keep: 7 };
}
