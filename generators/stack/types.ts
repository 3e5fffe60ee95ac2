/**
 * The stack spec: the one model at the centre. Prompts and flags build it, it is written into
 * the generated project as `brokerplate.yaml`, and every emitter is a plain function of it.
 */
import type { BrokerId, FlowchartAnswers, MigrationPattern, Scale, ScenarioId, Semantics } from '../guide/index.ts';

export const SPEC_FILE = 'brokerplate.yaml';
export const SPEC_VERSION = 1;

export const PROFILES = ['dev', 'prod'] as const;
export type Profile = (typeof PROFILES)[number];

export const TARGETS = ['compose', 'k8s'] as const;
export type Target = (typeof TARGETS)[number];

// ---------------------------------------------------------------- messages

export const FIELD_TYPES = ['string', 'integer', 'number', 'boolean', 'json', 'array', 'object'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
export const STRING_FORMATS = ['date-time', 'uuid', 'email', 'uri'] as const;
export type StringFormat = (typeof STRING_FORMATS)[number];

/** A JSON-Schema-like field. Fields are required unless `optional: true`. */
export type FieldSpec =
  | { type: 'string'; format?: StringFormat; enum?: string[]; maxLength?: number; optional?: boolean; description?: string }
  | { type: 'integer' | 'number'; minimum?: number; maximum?: number; optional?: boolean; description?: string }
  | { type: 'boolean' | 'json'; optional?: boolean; description?: string }
  | { type: 'array'; items: FieldSpec; optional?: boolean; description?: string }
  | { type: 'object'; fields: Record<string, FieldSpec>; optional?: boolean; description?: string };

export interface MessageSpec {
  /** TypeScript type name of the payload (PascalCase). */
  type: string;
  /** Schema version carried in every envelope; bump it when fields change incompatibly. */
  version: number;
  fields: Record<string, FieldSpec>;
}

// ---------------------------------------------------------------- channels

interface ChannelCommon {
  /** Topic, queue, channel or stream name on the broker; also the source of the TypeScript identifier. */
  name: string;
  description?: string;
  semantics: Semantics;
  message: MessageSpec;
}

export interface KafkaTopicChannel extends ChannelCommon {
  broker: 'kafka';
  kind: 'topic';
  /** Defaults to the profile's `partitions`. */
  partitions?: number;
  /** Defaults to the profile's `replicationFactor`. */
  replicationFactor?: number;
  /** A duration such as `7d`, `12h`, or `forever`. */
  retention: string;
  cleanupPolicy: 'delete' | 'compact';
  /** Payload field used as the record key, for partition locality (per-key ordering). */
  key?: string;
  consumerGroups: string[];
}

export const EXCHANGE_TYPES = ['direct', 'topic', 'fanout', 'headers'] as const;
export type ExchangeType = (typeof EXCHANGE_TYPES)[number];

export interface RabbitBinding {
  /** For direct and topic exchanges. */
  routingKey?: string;
  /** For headers exchanges. */
  headers?: Record<string, string>;
  match?: 'all' | 'any';
}

export interface RabbitQueueChannel extends ChannelCommon {
  broker: 'rabbitmq';
  kind: 'queue';
  exchange: string;
  exchangeType: ExchangeType;
  bindings: RabbitBinding[];
  /** Enables `x-max-priority` (1-255; the guide uses 10). */
  maxPriority?: number;
  /** Dead-letter exchange and queue for rejected or expired messages. */
  deadLetter: boolean;
  /** A duration; messages older than this are dead-lettered. */
  messageTtl?: string;
  /** Consumer prefetch: the guide's "rate limiting with prefetch". */
  prefetch: number;
}

export interface RabbitRpcChannel extends ChannelCommon {
  broker: 'rabbitmq';
  kind: 'rpc';
  reply: MessageSpec;
  /** A duration the caller waits for the reply. */
  timeout: string;
  prefetch: number;
}

export interface RedisPubSubChannel extends ChannelCommon {
  broker: 'redis';
  kind: 'pubsub';
}

export interface RedisStreamChannel extends ChannelCommon {
  broker: 'redis';
  kind: 'stream';
  consumerGroups: string[];
  /** Approximate MAXLEN trimming on every XADD. */
  maxLen: number;
  /** Deliveries after which an entry moves to the dead-letter stream. */
  maxDeliveries: number;
}

export type Channel = KafkaTopicChannel | RabbitQueueChannel | RabbitRpcChannel | RedisPubSubChannel | RedisStreamChannel;
export type ChannelOf<B extends BrokerId> = Extract<Channel, { broker: B }>;

// ---------------------------------------------------------------- brokers and scaling

export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
  /** Persistent volume size. */
  storage: string;
}

/** The knobs of the guide's Scaling table, one block per profile. */
export interface KafkaScaling {
  nodes: number;
  partitions: number;
  replicationFactor: number;
  minInsyncReplicas: number;
  resources: Resources;
}

export interface RabbitScaling {
  nodes: number;
  queueType: 'classic' | 'quorum';
  resources: Resources;
}

export const REDIS_MODES = ['standalone', 'sentinel', 'cluster'] as const;
export type RedisMode = (typeof REDIS_MODES)[number];

export interface RedisScaling {
  mode: RedisMode;
  /** Read replicas per primary. */
  replicas: number;
  /** Sentinel processes (sentinel mode). */
  sentinels: number;
  /** Primaries with hash slots (cluster mode). */
  shards: number;
  maxmemory: string;
  resources: Resources;
}

export type PerProfile<T> = Record<Profile, T>;

export interface KafkaSettings extends PerProfile<KafkaScaling> {}

export interface RabbitSettings extends PerProfile<RabbitScaling> {
  vhost: string;
  /** Plugins beyond management and prometheus (e.g. `rabbitmq_mqtt`). */
  plugins: string[];
}

export const REDIS_ROLES = ['queue', 'cache'] as const;
export type RedisRole = (typeof REDIS_ROLES)[number];
export const REDIS_PERSISTENCE = ['none', 'rdb', 'aof', 'rdb+aof'] as const;
export type RedisPersistence = (typeof REDIS_PERSISTENCE)[number];
export const REDIS_EVICTION = ['noeviction', 'allkeys-lru', 'allkeys-lfu', 'volatile-lru', 'volatile-lfu'] as const;
export type RedisEviction = (typeof REDIS_EVICTION)[number];

export interface RedisSettings extends PerProfile<RedisScaling> {
  /** queue: streams/work queues (durable, never evicts); cache: pub/sub and cache (evicts). */
  role: RedisRole;
  persistence: RedisPersistence;
  evictionPolicy: RedisEviction;
}

export interface BrokerSettingsMap {
  kafka: KafkaSettings;
  rabbitmq: RabbitSettings;
  redis: RedisSettings;
}
export type BrokersSpec = { [B in BrokerId]?: BrokerSettingsMap[B] };

// ---------------------------------------------------------------- operations

export interface Thresholds {
  kafkaConsumerLag: number;
  kafkaUnderReplicatedPartitions: number;
  kafkaRequestLatencyP99Ms: number;
  rabbitmqQueueDepth: number;
  rabbitmqUnackedMessages: number;
  rabbitmqConnections: number;
  /** Fraction of the memory high watermark. */
  rabbitmqMemoryRatio: number;
  /** Fraction of maxmemory. */
  redisMemoryRatio: number;
  /** Minimum keyspace hit ratio (hits / (hits + misses)). */
  redisHitRatio: number;
  redisConnectedClients: number;
  backupMaxAgeHours: number;
}

export interface MonitoringSpec {
  enabled: boolean;
  thresholds: Thresholds;
}

export interface BackupSpec {
  enabled: boolean;
  /** Cron schedule of the backup jobs. */
  schedule: string;
  /** How many backups to keep. */
  keep: number;
}

/** How the brokers were chosen, for the generated README. */
export interface Decision {
  flowchart?: FlowchartAnswers;
  scale?: Scale;
  /** True when the brokers differ from the guide's recommendation for the scenario (`--brokers`, or an imported document). */
  overridden: boolean;
  /** Where the brokers and channels came from when not from the guide: `asyncapi` for `brokerplate --from <document>`. */
  source?: DecisionSource;
}

export const DECISION_SOURCES = ['asyncapi'] as const;
export type DecisionSource = (typeof DECISION_SOURCES)[number];

// ---------------------------------------------------------------- migrations

/** Moves a RabbitMQ queue to a Kafka topic (the guide's "From RabbitMQ to Kafka"). Names are channel names of the spec. */
export interface RabbitToKafkaMigration {
  pattern: 'rabbitmq-to-kafka';
  /** The RabbitMQ queue channel being retired. */
  from: string;
  /** The Kafka topic channel taking over (the same message). */
  to: string;
  /** A RabbitMQ queue channel on the same exchange and bindings as `from`: the copy `verify` reads, so it never takes a message from the real consumers. */
  tap: string;
  /** The consumer group of `to` that `verify` reads with (one of its consumerGroups). */
  verifyGroup: string;
}

/** Moves a Redis Pub/Sub channel to a stream (the guide's "From Redis Pub/Sub to Streams"). */
export interface PubSubToStreamsMigration {
  pattern: 'redis-pubsub-to-streams';
  /** The Pub/Sub channel being retired. */
  from: string;
  /** The stream channel taking over (the same message). */
  to: string;
}

export type MigrationSpec = RabbitToKafkaMigration | PubSubToStreamsMigration;
export type MigrationOf<P extends MigrationPattern> = Extract<MigrationSpec, { pattern: P }>;

export interface StackSpec {
  version: typeof SPEC_VERSION;
  name: string;
  scenario: ScenarioId;
  profile: Profile;
  targets: Target[];
  decision: Decision;
  brokers: BrokersSpec;
  channels: Channel[];
  monitoring: MonitoringSpec;
  backup: BackupSpec;
  /** Migration kits to generate (absent: none). */
  migrations?: MigrationSpec[];
}
