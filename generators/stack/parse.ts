/**
 * Turns untrusted data (the YAML a user edited) into a typed StackSpec, or a list of issues that
 * each name the field path and the rule. Structure is read here; cross-field rules live in rules.ts.
 */
import { BROKER_IDS, SCALES, SCENARIO_IDS, SEMANTICS, type BrokerId } from '../guide/index.ts';
import * as N from './naming.ts';
import { join, Reader, type Obj, type SpecIssue } from './reader.ts';
import { checkRules } from './rules.ts';
import {
  EXCHANGE_TYPES,
  FIELD_TYPES,
  PROFILES,
  REDIS_EVICTION,
  REDIS_MODES,
  REDIS_PERSISTENCE,
  REDIS_ROLES,
  SPEC_VERSION,
  STRING_FORMATS,
  TARGETS,
  type BackupSpec,
  type BrokersSpec,
  type Channel,
  type Decision,
  type FieldSpec,
  type KafkaScaling,
  type KafkaSettings,
  type MessageSpec,
  type MonitoringSpec,
  type PerProfile,
  type RabbitBinding,
  type RabbitScaling,
  type RabbitSettings,
  type RedisScaling,
  type RedisSettings,
  type Resources,
  type StackSpec,
  type Thresholds,
} from './types.ts';
import { defaultThresholds } from './defaults.ts';

export type ParseResult = { ok: true; spec: StackSpec } | { ok: false; issues: SpecIssue[] };

/** Fields that belong to another broker's channels, with the reason they do not fit here. */
const MISPLACED: Readonly<Record<BrokerId, Readonly<Record<string, string>>>> = {
  kafka: {
    maxPriority: 'a Kafka topic has no message priorities (the guide lists priorities under RabbitMQ task queues); use a RabbitMQ queue',
    exchange: 'Kafka has no exchanges; routing is by topic and key',
    bindings: 'Kafka has no bindings; consumers subscribe to topics',
    maxLen: 'Kafka bounds a topic by retention, not by length',
  },
  rabbitmq: {
    partitions: 'RabbitMQ queues have no partitions',
    retention: 'RabbitMQ keeps messages until consumed (no retention-based replay); use messageTtl to expire them',
    consumerGroups: 'RabbitMQ has no consumer groups: competing consumers share a queue, or bind another queue',
  },
  redis: {
    partitions: 'Redis streams and channels have no partitions',
    maxPriority: 'Redis has no message priorities; use a RabbitMQ queue',
    exchange: 'Redis has no exchanges',
  },
};

function read(r: Reader, raw: unknown): StackSpec | undefined {
  const root = r.object(raw, '', ['version', 'name', 'scenario', 'profile', 'targets', 'decision', 'brokers', 'channels', 'monitoring', 'backup']);
  if (!root) return undefined;
  const version = r.required(root, 'version', '', (v, p) => r.integer(v, p, SPEC_VERSION, SPEC_VERSION));
  const name = r.required(root, 'name', '', (v, p) => r.string(v, p, N.PROJECT_NAME));
  const scenario = r.required(root, 'scenario', '', (v, p) => r.oneOf(v, p, SCENARIO_IDS));
  const profile = r.required(root, 'profile', '', (v, p) => r.oneOf(v, p, PROFILES));
  const targets = r.required(root, 'targets', '', (v, p) => r.list(v, p, (t, tp) => r.oneOf(t, tp, TARGETS), 1));
  if (targets) r.unique(targets, 'targets', 'target');
  const decision = root.decision === undefined ? { overridden: false } : readDecision(r, root.decision);
  const brokers = r.required(root, 'brokers', '', (v, p) => readBrokers(r, v, p));
  const channels = r.required(root, 'channels', '', (v, p) => r.list(v, p, (c, cp) => readChannel(r, c, cp), 1));
  const monitoring = r.required(root, 'monitoring', '', (v, p) => readMonitoring(r, v, p));
  const backup = r.required(root, 'backup', '', (v, p) => readBackup(r, v, p));
  if (version === undefined || !name || !scenario || !profile || !targets || !decision || !brokers || !channels || !monitoring || !backup) {
    return undefined;
  }
  return { version: SPEC_VERSION, name, scenario, profile, targets, decision, brokers, channels, monitoring, backup };
}

function readDecision(r: Reader, raw: unknown): Decision | undefined {
  const o = r.object(raw, 'decision', ['flowchart', 'scale', 'overridden']);
  if (!o) return undefined;
  const decision: Decision = { overridden: r.optional(o, 'overridden', 'decision', (v, p) => r.boolean(v, p)) ?? false };
  const scale = r.optional(o, 'scale', 'decision', (v, p) => r.oneOf(v, p, SCALES));
  if (scale) decision.scale = scale;
  if (o.flowchart !== undefined) {
    const f = r.object(o.flowchart, 'decision.flowchart', ['replay', 'complexRouting', 'lowLatencyOrRedis']);
    if (f) {
      const replay = r.required(f, 'replay', 'decision.flowchart', (v, p) => r.boolean(v, p));
      const complexRouting = r.required(f, 'complexRouting', 'decision.flowchart', (v, p) => r.boolean(v, p));
      const lowLatencyOrRedis = r.required(f, 'lowLatencyOrRedis', 'decision.flowchart', (v, p) => r.boolean(v, p));
      if (replay !== undefined && complexRouting !== undefined && lowLatencyOrRedis !== undefined) {
        decision.flowchart = { replay, complexRouting, lowLatencyOrRedis };
      }
    }
  }
  return decision;
}

// ---------------------------------------------------------------- brokers

function readResources(r: Reader, raw: unknown, path: string): Resources | undefined {
  const o = r.object(raw, path, ['requests', 'limits', 'storage']);
  if (!o) return undefined;
  const pair = (key: 'requests' | 'limits') =>
    r.required(o, key, path, (v, p) => {
      const q = r.object(v, p, ['cpu', 'memory']);
      if (!q) return undefined;
      const cpu = r.required(q, 'cpu', p, (x, xp) => r.string(x, xp, N.K8S_QUANTITY));
      const memory = r.required(q, 'memory', p, (x, xp) => r.string(x, xp, N.K8S_QUANTITY));
      return cpu && memory ? { cpu, memory } : undefined;
    });
  const requests = pair('requests');
  const limits = pair('limits');
  const storage = r.required(o, 'storage', path, (v, p) => r.string(v, p, N.K8S_QUANTITY));
  return requests && limits && storage ? { requests, limits, storage } : undefined;
}

function perProfile<T>(r: Reader, o: Obj, path: string, readOne: (v: unknown, p: string) => T | undefined): PerProfile<T> | undefined {
  const dev = r.required(o, 'dev', path, readOne);
  const prod = r.required(o, 'prod', path, readOne);
  return dev && prod ? { dev, prod } : undefined;
}

function readKafka(r: Reader, raw: unknown, path: string): KafkaSettings | undefined {
  const o = r.object(raw, path, ['dev', 'prod']);
  if (!o) return undefined;
  return perProfile(r, o, path, (v, p): KafkaScaling | undefined => {
    const s = r.object(v, p, ['nodes', 'partitions', 'replicationFactor', 'minInsyncReplicas', 'resources']);
    if (!s) return undefined;
    const nodes = r.required(s, 'nodes', p, (x, xp) => r.integer(x, xp, 1, 15));
    const partitions = r.required(s, 'partitions', p, (x, xp) => r.integer(x, xp, 1, 10_000));
    const replicationFactor = r.required(s, 'replicationFactor', p, (x, xp) => r.integer(x, xp, 1, 15));
    const minInsyncReplicas = r.required(s, 'minInsyncReplicas', p, (x, xp) => r.integer(x, xp, 1, 15));
    const resources = r.required(s, 'resources', p, (x, xp) => readResources(r, x, xp));
    if (!nodes || !partitions || !replicationFactor || !minInsyncReplicas || !resources) return undefined;
    return { nodes, partitions, replicationFactor, minInsyncReplicas, resources };
  });
}

function readRabbit(r: Reader, raw: unknown, path: string): RabbitSettings | undefined {
  const o = r.object(raw, path, ['vhost', 'plugins', 'dev', 'prod']);
  if (!o) return undefined;
  const vhost = r.required(o, 'vhost', path, (v, p) => r.string(v, p, N.RABBIT_VHOST));
  const plugins = r.required(o, 'plugins', path, (v, p) =>
    r.list(v, p, (x, xp) => r.string(x, xp, { re: /^rabbitmq_[a-z_]+$/, rule: 'must be a RabbitMQ plugin name such as rabbitmq_mqtt' })),
  );
  const profiles = perProfile(r, o, path, (v, p): RabbitScaling | undefined => {
    const s = r.object(v, p, ['nodes', 'queueType', 'resources']);
    if (!s) return undefined;
    const nodes = r.required(s, 'nodes', p, (x, xp) => r.integer(x, xp, 1, 15));
    const queueType = r.required(s, 'queueType', p, (x, xp) => r.oneOf(x, xp, ['classic', 'quorum'] as const));
    const resources = r.required(s, 'resources', p, (x, xp) => readResources(r, x, xp));
    return nodes && queueType && resources ? { nodes, queueType, resources } : undefined;
  });
  return vhost && plugins && profiles ? { vhost, plugins, ...profiles } : undefined;
}

function readRedis(r: Reader, raw: unknown, path: string): RedisSettings | undefined {
  const o = r.object(raw, path, ['role', 'persistence', 'evictionPolicy', 'dev', 'prod']);
  if (!o) return undefined;
  const role = r.required(o, 'role', path, (v, p) => r.oneOf(v, p, REDIS_ROLES));
  const persistence = r.required(o, 'persistence', path, (v, p) => r.oneOf(v, p, REDIS_PERSISTENCE));
  const evictionPolicy = r.required(o, 'evictionPolicy', path, (v, p) => r.oneOf(v, p, REDIS_EVICTION));
  const profiles = perProfile(r, o, path, (v, p): RedisScaling | undefined => {
    const s = r.object(v, p, ['mode', 'replicas', 'sentinels', 'shards', 'maxmemory', 'resources']);
    if (!s) return undefined;
    const mode = r.required(s, 'mode', p, (x, xp) => r.oneOf(x, xp, REDIS_MODES));
    const replicas = r.required(s, 'replicas', p, (x, xp) => r.integer(x, xp, 0, 10));
    const sentinels = r.required(s, 'sentinels', p, (x, xp) => r.integer(x, xp, 0, 9));
    const shards = r.required(s, 'shards', p, (x, xp) => r.integer(x, xp, 0, 64));
    const maxmemory = r.required(s, 'maxmemory', p, (x, xp) => r.string(x, xp, N.REDIS_MEMORY));
    const resources = r.required(s, 'resources', p, (x, xp) => readResources(r, x, xp));
    if (!mode || replicas === undefined || sentinels === undefined || shards === undefined || !maxmemory || !resources) return undefined;
    return { mode, replicas, sentinels, shards, maxmemory, resources };
  });
  return role && persistence && evictionPolicy && profiles ? { role, persistence, evictionPolicy, ...profiles } : undefined;
}

function readBrokers(r: Reader, raw: unknown, path: string): BrokersSpec | undefined {
  const o = r.object(raw, path, BROKER_IDS);
  if (!o) return undefined;
  if (Object.keys(o).length === 0) return r.fail(path, `must name at least one of ${BROKER_IDS.join(', ')}`);
  const out: BrokersSpec = {};
  let ok = true;
  const take = <T>(value: T | undefined, set: (v: T) => void) => (value === undefined ? (ok = false) : set(value));
  if (o.kafka !== undefined) take(readKafka(r, o.kafka, join(path, 'kafka')), (v) => (out.kafka = v));
  if (o.rabbitmq !== undefined) take(readRabbit(r, o.rabbitmq, join(path, 'rabbitmq')), (v) => (out.rabbitmq = v));
  if (o.redis !== undefined) take(readRedis(r, o.redis, join(path, 'redis')), (v) => (out.redis = v));
  return ok ? out : undefined;
}

// ---------------------------------------------------------------- messages

function readField(r: Reader, raw: unknown, path: string, depth: number): FieldSpec | undefined {
  if (depth > 4) return r.fail(path, 'nests too deeply (at most 4 levels of arrays/objects)');
  const o = r.object(raw, path, ['type', 'format', 'enum', 'maxLength', 'minimum', 'maximum', 'items', 'fields', 'optional', 'description']);
  if (!o) return undefined;
  const type = r.required(o, 'type', path, (v, p) => r.oneOf(v, p, FIELD_TYPES));
  if (!type) return undefined;
  const optional = r.optional(o, 'optional', path, (v, p) => r.boolean(v, p));
  const description = r.optional(o, 'description', path, (v, p) => r.string(v, p));
  const common = { ...(optional !== undefined && { optional }), ...(description !== undefined && { description }) };
  const only = (allowed: readonly string[]) => {
    for (const key of ['format', 'enum', 'maxLength', 'minimum', 'maximum', 'items', 'fields']) {
      if (o[key] !== undefined && !allowed.includes(key)) r.fail(join(path, key), `does not apply to a field of type ${type}`);
    }
  };
  switch (type) {
    case 'string': {
      only(['format', 'enum', 'maxLength']);
      const format = r.optional(o, 'format', path, (v, p) => r.oneOf(v, p, STRING_FORMATS));
      const values = r.optional(o, 'enum', path, (v, p) => r.list(v, p, (x, xp) => r.string(x, xp), 1));
      const maxLength = r.optional(o, 'maxLength', path, (v, p) => r.integer(v, p, 1));
      return { type, ...common, ...(format && { format }), ...(values && { enum: values }), ...(maxLength && { maxLength }) };
    }
    case 'integer':
    case 'number': {
      only(['minimum', 'maximum']);
      const minimum = r.optional(o, 'minimum', path, (v, p) => r.number(v, p));
      const maximum = r.optional(o, 'maximum', path, (v, p) => r.number(v, p));
      if (minimum !== undefined && maximum !== undefined && minimum > maximum) r.fail(join(path, 'maximum'), 'must not be below minimum');
      return { type, ...common, ...(minimum !== undefined && { minimum }), ...(maximum !== undefined && { maximum }) };
    }
    case 'boolean':
    case 'json':
      only([]);
      return { type, ...common };
    case 'array': {
      only(['items']);
      const items = r.required(o, 'items', path, (v, p) => readField(r, v, p, depth + 1));
      return items ? { type, items, ...common } : undefined;
    }
    case 'object': {
      only(['fields']);
      const fields = r.required(o, 'fields', path, (v, p) => readFields(r, v, p, depth + 1));
      return fields ? { type, fields, ...common } : undefined;
    }
  }
}

function readFields(r: Reader, raw: unknown, path: string, depth: number): Record<string, FieldSpec> | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return r.fail(path, 'must be a mapping of field name to field');
  const out: Record<string, FieldSpec> = {};
  let ok = true;
  for (const [key, value] of Object.entries(raw)) {
    const p = join(path, key);
    if (!N.FIELD_NAME.re.test(key)) {
      r.fail(p, `${JSON.stringify(key)} ${N.FIELD_NAME.rule}`);
      ok = false;
      continue;
    }
    const field = readField(r, value, p, depth);
    if (field) out[key] = field;
    else ok = false;
  }
  return ok ? out : undefined;
}

function readMessage(r: Reader, raw: unknown, path: string): MessageSpec | undefined {
  const o = r.object(raw, path, ['type', 'version', 'fields']);
  if (!o) return undefined;
  const type = r.required(o, 'type', path, (v, p) => r.string(v, p, N.TYPE_NAME));
  const version = r.required(o, 'version', path, (v, p) => r.integer(v, p, 1));
  const fields = r.required(o, 'fields', path, (v, p) => readFields(r, v, p, 0));
  if (fields && Object.keys(fields).length === 0) return r.fail(join(path, 'fields'), 'must declare at least one field');
  return type && version && fields ? { type, version, fields } : undefined;
}

// ---------------------------------------------------------------- channels

const COMMON = ['name', 'broker', 'kind', 'description', 'semantics', 'message'] as const;
const KINDS: Readonly<Record<BrokerId, readonly string[]>> = { kafka: ['topic'], rabbitmq: ['queue', 'rpc'], redis: ['pubsub', 'stream'] };
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  'kafka/topic': [...COMMON, 'partitions', 'replicationFactor', 'retention', 'cleanupPolicy', 'key', 'consumerGroups'],
  'rabbitmq/queue': [...COMMON, 'exchange', 'exchangeType', 'bindings', 'maxPriority', 'deadLetter', 'messageTtl', 'prefetch'],
  'rabbitmq/rpc': [...COMMON, 'reply', 'timeout', 'prefetch'],
  'redis/pubsub': [...COMMON],
  'redis/stream': [...COMMON, 'consumerGroups', 'maxLen', 'maxDeliveries'],
};

function kindHints(broker: BrokerId, kind: string): Record<string, string> {
  const hints: Record<string, string> = { ...MISPLACED[broker] };
  if (broker === 'redis' && kind === 'pubsub') {
    hints.consumerGroups = 'a Redis Pub/Sub channel has no consumer groups (fire-and-forget, every subscriber gets every message); use kind: stream for consumer groups';
    hints.maxLen = 'a Redis Pub/Sub channel keeps nothing, so there is nothing to trim; use kind: stream';
  }
  return hints;
}

function readChannel(r: Reader, raw: unknown, path: string): Channel | undefined {
  const peek = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Obj) : {};
  const broker = r.required(peek, 'broker', path, (v, p) => r.oneOf(v, p, BROKER_IDS));
  if (!broker) return r.object(raw, path, COMMON) && undefined;
  const kind = r.required(peek, 'kind', path, (v, p) => r.oneOf(v, p, KINDS[broker]));
  if (!kind) return undefined;
  const o = r.object(raw, path, ALLOWED[`${broker}/${kind}`] ?? COMMON, kindHints(broker, kind));
  if (!o) return undefined;
  const description = r.optional(o, 'description', path, (v, p) => r.string(v, p));
  const semantics = r.required(o, 'semantics', path, (v, p) => r.oneOf(v, p, SEMANTICS));
  const message = r.required(o, 'message', path, (v, p) => readMessage(r, v, p));
  const nameRule = broker === 'kafka' ? N.KAFKA_TOPIC : broker === 'rabbitmq' ? N.RABBIT_NAME : N.REDIS_KEY;
  const name = r.required(o, 'name', path, (v, p) => r.string(v, p, nameRule));
  const int = (key: string, min: number, max?: number) => r.required(o, key, path, (v, p) => r.integer(v, p, min, max));
  const duration = (key: string, extra: readonly string[] = []) =>
    r.required(o, key, path, (v, p) => (typeof v === 'string' && extra.includes(v) ? v : r.string(v, p, N.DURATION)));
  const groups = (rule: N.NameRule) => {
    const list = r.required(o, 'consumerGroups', path, (v, p) => r.list(v, p, (x, xp) => r.string(x, xp, rule)));
    if (list) r.unique(list, join(path, 'consumerGroups'), 'consumer group');
    return list;
  };
  if (!semantics || !message || !name) return undefined;
  // Key order here is the order brokerplate.yaml shows: identity, guarantees, broker specifics, message.
  const head = { name, broker, kind, ...(description !== undefined && { description }), semantics };

  if (broker === 'kafka') {
    const partitions = r.optional(o, 'partitions', path, (v, p) => r.integer(v, p, 1, 10_000));
    const replicationFactor = r.optional(o, 'replicationFactor', path, (v, p) => r.integer(v, p, 1, 15));
    const retention = duration('retention', ['forever']);
    const cleanupPolicy = r.required(o, 'cleanupPolicy', path, (v, p) => r.oneOf(v, p, ['delete', 'compact'] as const));
    const key = r.optional(o, 'key', path, (v, p) => r.string(v, p, N.FIELD_NAME));
    const consumerGroups = groups(N.KAFKA_GROUP);
    if (!retention || !cleanupPolicy || !consumerGroups) return undefined;
    return {
      ...head,
      broker,
      kind: 'topic',
      ...(partitions !== undefined && { partitions }),
      ...(replicationFactor !== undefined && { replicationFactor }),
      retention,
      cleanupPolicy,
      ...(key !== undefined && { key }),
      consumerGroups,
      message,
    };
  }
  if (broker === 'rabbitmq' && kind === 'queue') {
    const exchange = r.required(o, 'exchange', path, (v, p) =>
      typeof v === 'string' && v in N.RABBIT_PREDECLARED ? v : r.string(v, p, N.RABBIT_NAME),
    );
    const exchangeType = r.required(o, 'exchangeType', path, (v, p) => r.oneOf(v, p, EXCHANGE_TYPES));
    const bindings = r.required(o, 'bindings', path, (v, p) => r.list(v, p, (b, bp) => readBinding(r, b, bp)));
    const maxPriority = r.optional(o, 'maxPriority', path, (v, p) => r.integer(v, p, 1, 255));
    const deadLetter = r.required(o, 'deadLetter', path, (v, p) => r.boolean(v, p));
    const messageTtl = r.optional(o, 'messageTtl', path, (v, p) => r.string(v, p, N.DURATION));
    const prefetch = int('prefetch', 1, 65_535);
    if (!exchange || !exchangeType || !bindings || deadLetter === undefined || !prefetch) return undefined;
    return {
      ...head,
      broker,
      kind,
      exchange,
      exchangeType,
      bindings,
      ...(maxPriority !== undefined && { maxPriority }),
      deadLetter,
      ...(messageTtl !== undefined && { messageTtl }),
      prefetch,
      message,
    };
  }
  if (broker === 'rabbitmq') {
    const reply = r.required(o, 'reply', path, (v, p) => readMessage(r, v, p));
    const timeout = duration('timeout');
    const prefetch = int('prefetch', 1, 65_535);
    return reply && timeout && prefetch ? { ...head, broker, kind: 'rpc', timeout, prefetch, message, reply } : undefined;
  }
  if (kind === 'pubsub') return { ...head, broker, kind: 'pubsub', message };
  const consumerGroups = groups(N.REDIS_GROUP);
  const maxLen = int('maxLen', 1);
  const maxDeliveries = int('maxDeliveries', 1, 1000);
  if (!consumerGroups || !maxLen || !maxDeliveries) return undefined;
  return { ...head, broker, kind: 'stream', consumerGroups, maxLen, maxDeliveries, message };
}

function readBinding(r: Reader, raw: unknown, path: string): RabbitBinding | undefined {
  const o = r.object(raw, path, ['routingKey', 'headers', 'match']);
  if (!o) return undefined;
  const routingKey = r.optional(o, 'routingKey', path, (v, p) =>
    r.string(v, p, { re: /^[A-Za-z0-9._*#:-]{0,255}$/, rule: 'is not a valid routing key (letters, digits, ".", "_", ":", "-" and the wildcards "*" and "#")' }),
  );
  const headers = r.optional(o, 'headers', path, (v, p) => {
    const h = typeof v === 'object' && v !== null ? r.object(v, p, Object.keys(v)) : r.fail(p, 'must be a mapping of header name to value');
    if (!h) return undefined;
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(h)) {
      const s = r.string(x, join(p, k));
      if (s !== undefined) out[k] = s;
    }
    return out;
  });
  const match = r.optional(o, 'match', path, (v, p) => r.oneOf(v, p, ['all', 'any'] as const));
  return { ...(routingKey !== undefined && { routingKey }), ...(headers && { headers }), ...(match && { match }) };
}

// ---------------------------------------------------------------- operations

function readMonitoring(r: Reader, raw: unknown, path: string): MonitoringSpec | undefined {
  const o = r.object(raw, path, ['enabled', 'thresholds']);
  if (!o) return undefined;
  const enabled = r.required(o, 'enabled', path, (v, p) => r.boolean(v, p));
  const defaults = defaultThresholds();
  const names = Object.keys(defaults) as (keyof Thresholds)[];
  const t = r.required(o, 'thresholds', path, (v, p) => r.object(v, p, names));
  if (enabled === undefined || !t) return undefined;
  const thresholds = { ...defaults };
  for (const key of names) {
    const isRatio = key.endsWith('Ratio');
    const value = r.optional(t, key, join(path, 'thresholds'), (v, p) => r.number(v, p, 0, isRatio ? 1 : Infinity));
    if (value !== undefined) thresholds[key] = value;
  }
  return { enabled, thresholds };
}

function readBackup(r: Reader, raw: unknown, path: string): BackupSpec | undefined {
  const o = r.object(raw, path, ['enabled', 'schedule', 'keep']);
  if (!o) return undefined;
  const enabled = r.required(o, 'enabled', path, (v, p) => r.boolean(v, p));
  const schedule = r.required(o, 'schedule', path, (v, p) => r.string(v, p, N.CRON));
  const keep = r.required(o, 'keep', path, (v, p) => r.integer(v, p, 1, 365));
  return enabled !== undefined && schedule && keep ? { enabled, schedule, keep } : undefined;
}

/** Parses and validates: structure first, then the cross-field rules of the guide and the brokers. */
export function parseSpec(raw: unknown): ParseResult {
  const r = new Reader();
  const spec = read(r, raw);
  if (!spec || r.issues.length > 0) return { ok: false, issues: r.issues };
  checkRules(r, spec);
  return r.issues.length > 0 ? { ok: false, issues: r.issues } : { ok: true, spec };
}
