/** Reads the spec's channels and their typed messages (see parse.ts for the rest of the spec). */
import { BROKER_IDS, SEMANTICS, type BrokerId } from '../guide/index.ts';
import * as N from './naming.ts';
import { describe, join, type Obj, type Reader } from './reader.ts';
import { MAX_ITEMS, RESERVED_NAMES, RESERVED_RULE, textProblem } from './text.ts';
import { EXCHANGE_TYPES, FIELD_TYPES, STRING_FORMATS, type Channel, type FieldSpec, type MessageSpec, type RabbitBinding } from './types.ts';

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
  const entries = Object.entries(raw);
  if (entries.length > MAX_ITEMS) return r.fail(path, `has ${entries.length} fields; at most ${MAX_ITEMS} are allowed`);
  let ok = true;
  for (const [key, value] of entries) {
    const p = join(path, key);
    const problem = !N.FIELD_NAME.re.test(key) ? `${describe(key)} ${N.FIELD_NAME.rule}` : RESERVED_NAMES.has(key) ? `${describe(key)} ${RESERVED_RULE}` : undefined;
    if (problem) {
      r.fail(p, problem);
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

export function readChannel(r: Reader, raw: unknown, path: string): Channel | undefined {
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
  const readDuration = (max: N.DurationLimit, extra: readonly string[]) => (v: unknown, p: string) => {
    if (typeof v === 'string' && extra.includes(v)) return v;
    const text = r.string(v, p, N.DURATION, 40);
    if (text === undefined) return undefined;
    return N.durationMs(text) > max.ms ? r.fail(p, `${describe(text)} is longer than ${max.shown}: ${max.why}`) : text;
  };
  const duration = (key: string, max: N.DurationLimit, extra: readonly string[] = []) => r.required(o, key, path, readDuration(max, extra));
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
    const retention = duration('retention', N.DURATION_LIMITS.retention, ['forever']);
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
    const messageTtl = r.optional(o, 'messageTtl', path, readDuration(N.DURATION_LIMITS.messageTtl, []));
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
    const timeout = duration('timeout', N.DURATION_LIMITS.timeout);
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
      // AMQP header names are short strings (at most 255 bytes on the wire).
      const problem = textProblem(k, 255) ?? (k === '' ? 'is empty: a header needs a name' : undefined);
      if (problem) r.fail(join(p, k), `header name ${problem}`);
      const s = r.string(x, join(p, k), undefined, 255);
      if (s !== undefined && !problem) out[k] = s;
    }
    return Object.keys(out).length === Object.keys(h).length ? out : undefined;
  });
  const match = r.optional(o, 'match', path, (v, p) => r.oneOf(v, p, ['all', 'any'] as const));
  return { ...(routingKey !== undefined && { routingKey }), ...(headers && { headers }), ...(match && { match }) };
}
