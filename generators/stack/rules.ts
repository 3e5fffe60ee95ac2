/**
 * Cross-field rules: what the guide says a broker can and cannot do, and what each broker
 * refuses at runtime. Every rule reports the field path and the reason.
 */
import { BROKERS, DELIVERY_SEMANTICS } from '../guide/index.ts';
import { channelIdentifier, RABBIT_PREDECLARED } from './naming.ts';
import { join, type Reader } from './reader.ts';
import { PROFILES, type Channel, type KafkaTopicChannel, type RabbitQueueChannel, type StackSpec } from './types.ts';
import { brokersOf, derivedNames } from './resolve.ts';
import { longestGapMinutes, parseCron } from './cron.ts';
import { quantityValue } from './quantity.ts';
import { RESERVED_NAMES, RESERVED_RULE } from './text.ts';
import { checkMigrations } from './rules-migrations.ts';

/** Bytes of a Redis size (384mb) or a Kubernetes memory quantity (512Mi); undefined when it is neither. */
function bytes(size: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)(kb|mb|gb|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(size);
  if (!m?.[1]) return undefined;
  const unit: Readonly<Record<string, number>> = { kb: 2 ** 10, mb: 2 ** 20, gb: 2 ** 30, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(m[1]) * (m[2] ? (unit[m[2]] ?? 1) : 1);
}

export function checkRules(r: Reader, spec: StackSpec): void {
  checkBrokers(r, spec);
  checkResources(r, spec);
  spec.channels.forEach((channel, i) => checkChannel(r, spec, channel, join('channels', i)));
  checkNames(r, spec);
  checkBackupSchedule(r, spec);
  checkMigrations(r, spec);
}

/** Kubernetes refuses a request above its limit (and compose a reservation above the limit). */
function checkResources(r: Reader, spec: StackSpec): void {
  for (const broker of brokersOf(spec)) {
    for (const profile of PROFILES) {
      const res = spec.brokers[broker]?.[profile].resources;
      if (!res) continue;
      for (const kind of ['cpu', 'memory'] as const) {
        const request = quantityValue(kind, res.requests[kind]);
        const limit = quantityValue(kind, res.limits[kind]);
        if (request !== undefined && limit !== undefined && request > limit) {
          const p = `brokers.${broker}.${profile}.resources`;
          r.fail(`${p}.requests.${kind}`, `${res.requests[kind]} exceeds ${p}.limits.${kind} (${res.limits[kind]}): Kubernetes refuses a request above its limit`);
        }
      }
    }
  }
}

/** A schedule must run, and the stale-backup alert must wait longer than the schedule's longest gap. */
function checkBackupSchedule(r: Reader, spec: StackSpec): void {
  if (!spec.backup.enabled) return;
  const cron = parseCron(spec.backup.schedule);
  if (!cron.ok) return;
  const gap = longestGapMinutes(cron.schedule);
  if (gap === undefined) {
    r.fail('backup.schedule', `${JSON.stringify(spec.backup.schedule)} never runs (no date matches its day and month fields)`);
    return;
  }
  const hours = spec.monitoring.thresholds.backupMaxAgeHours;
  if (spec.monitoring.enabled && hours * 60 <= gap) {
    const shown = gap % 60 === 0 ? `${gap / 60}` : (gap / 60).toFixed(2);
    r.fail('monitoring.thresholds.backupMaxAgeHours', `${hours} is not longer than the longest gap between two runs of backup.schedule ${JSON.stringify(spec.backup.schedule)} (${shown} hours): the BackupStale alert would fire before every run; raise it above ${shown}`);
  }
}

function checkBrokers(r: Reader, spec: StackSpec): void {
  const { kafka, rabbitmq, redis } = spec.brokers;
  if (rabbitmq) {
    // The prod profile must survive the loss of a node: every queue replicated on a majority.
    const p = 'brokers.rabbitmq.prod';
    if (rabbitmq.prod.queueType !== 'quorum') r.fail(`${p}.queueType`, `must be quorum: prod replicates every queue, and a classic queue lives on one node (RabbitMQ 4 has no classic mirroring), so its messages go when that node does`);
    if (rabbitmq.prod.nodes < 3) r.fail(`${p}.nodes`, `must be at least 3, got ${rabbitmq.prod.nodes}: a quorum queue keeps working after losing a node only with 3 or more members`);
  }
  for (const profile of PROFILES) {
    if (kafka) {
      const k = kafka[profile];
      const p = `brokers.kafka.${profile}`;
      if (k.replicationFactor > k.nodes) r.fail(`${p}.replicationFactor`, `${k.replicationFactor} exceeds ${p}.nodes (${k.nodes}): a partition cannot have more replicas than there are brokers`);
      if (k.minInsyncReplicas > k.replicationFactor) r.fail(`${p}.minInsyncReplicas`, `${k.minInsyncReplicas} exceeds ${p}.replicationFactor (${k.replicationFactor}): acks=all writes could never succeed`);
    }
    if (redis) {
      const s = redis[profile];
      const p = `brokers.redis.${profile}`;
      if (s.mode === 'sentinel') {
        if (s.replicas < 1) r.fail(`${p}.replicas`, 'must be at least 1 in sentinel mode: Sentinel fails over to a replica');
        if (s.sentinels < 3 || s.sentinels % 2 === 0) r.fail(`${p}.sentinels`, `must be an odd number of at least 3 in sentinel mode (a majority must agree on failover), got ${s.sentinels}`);
      }
      if (s.mode === 'cluster' && s.shards < 3) r.fail(`${p}.shards`, `must be at least 3 in cluster mode (Redis Cluster needs three primaries), got ${s.shards}`);
      const maxmemory = bytes(s.maxmemory);
      const limit = bytes(s.resources.limits.memory);
      if (maxmemory !== undefined && limit !== undefined && maxmemory > 0.8 * limit) {
        r.fail(`${p}.maxmemory`, `${s.maxmemory} is more than 80% of ${p}.resources.limits.memory (${s.resources.limits.memory}): Redis needs headroom beyond its data (buffers, and the copy-on-write of a background save), or the container is OOM-killed before maxmemory applies`);
      }
    }
  }
  if (redis?.role === 'queue') {
    if (redis.evictionPolicy !== 'noeviction') r.fail('brokers.redis.evictionPolicy', `must be noeviction when role is queue: an evicting Redis silently drops stream entries and queued work (got ${redis.evictionPolicy})`);
    if (redis.persistence !== 'aof' && redis.persistence !== 'rdb+aof') {
      r.fail('brokers.redis.persistence', `must be aof or rdb+aof when role is queue (got ${redis.persistence}): queued work must survive a restart, and RDB snapshots alone lose every write since the last snapshot, where the append-only file (fsync every second) loses at most a second`);
    }
  }
}

function checkChannel(r: Reader, spec: StackSpec, channel: Channel, path: string): void {
  if (!spec.brokers[channel.broker]) {
    r.fail(join(path, 'broker'), `${channel.broker} is not in brokers: add brokers.${channel.broker} or move this channel to a broker of the stack (${Object.keys(spec.brokers).join(', ')})`);
    return;
  }
  const support = DELIVERY_SEMANTICS[channel.broker][channel.semantics];
  if (!support.native) {
    r.fail(join(path, 'semantics'), `${channel.semantics} is not available on ${BROKERS[channel.broker].title} (guide: "${support.how}"); use at-least-once with an idempotent consumer keyed on the message id, or put this channel on Kafka`);
  }
  switch (channel.broker) {
    case 'kafka':
      return checkKafkaTopic(r, spec, channel, path);
    case 'rabbitmq':
      if (channel.kind === 'queue') checkRabbitQueue(r, spec, channel, path);
      return;
    case 'redis':
      if (channel.kind === 'pubsub' && channel.semantics !== 'at-most-once') {
        r.fail(join(path, 'semantics'), `must be at-most-once for a Redis Pub/Sub channel: Pub/Sub is fire-and-forget with no persistence (guide: at-most-once = "Pub/Sub default"); use kind: stream for ${channel.semantics}`);
      }
      if (channel.kind === 'stream') {
        if (channel.semantics === 'at-most-once') {
          r.fail(join(path, 'semantics'), 'must be at-least-once for a Redis stream: consumer groups acknowledge entries (guide: at-least-once = "Streams + ack"); use kind: pubsub for at-most-once');
        }
        if (channel.consumerGroups.length === 0) r.fail(join(path, 'consumerGroups'), 'must name at least one consumer group (XREADGROUP needs one)');
        if (spec.brokers.redis?.role === 'cache') {
          r.fail(join(path, 'kind'), 'a stream needs brokers.redis.role: queue (noeviction); a cache-role Redis evicts keys and would drop stream entries');
        }
      }
  }
}

function checkKafkaTopic(r: Reader, spec: StackSpec, topic: KafkaTopicChannel, path: string): void {
  const kafka = spec.brokers.kafka;
  if (!kafka) return;
  for (const profile of PROFILES) {
    const nodes = kafka[profile].nodes;
    if (topic.replicationFactor !== undefined && topic.replicationFactor > nodes) {
      r.fail(join(path, 'replicationFactor'), `${topic.replicationFactor} exceeds brokers.kafka.${profile}.nodes (${nodes}): a partition cannot have more replicas than there are brokers`);
    }
  }
  if (topic.key !== undefined) {
    const field = topic.message.fields[topic.key];
    if (!field) r.fail(join(path, 'key'), `names ${JSON.stringify(topic.key)}, which is not a field of message.fields`);
    else if ((field.type !== 'string' && field.type !== 'integer') || field.optional) {
      r.fail(join(path, 'key'), `must name a required string or integer field (the record key gives per-key ordering), but ${topic.key} is ${field.optional ? 'optional' : field.type}`);
    }
  }
  if (topic.cleanupPolicy === 'compact' && topic.key === undefined) {
    r.fail(join(path, 'key'), 'is required when cleanupPolicy is compact: compaction keeps the latest record per key');
  }
}

function checkRabbitQueue(r: Reader, spec: StackSpec, queue: RabbitQueueChannel, path: string): void {
  const predeclared = RABBIT_PREDECLARED[queue.exchange];
  if (predeclared && predeclared !== queue.exchangeType) {
    r.fail(join(path, 'exchangeType'), `must be ${predeclared}: ${queue.exchange} is a predeclared ${predeclared} exchange`);
  }
  const sameExchange = spec.channels.find((c) => c.broker === 'rabbitmq' && c.kind === 'queue' && c.exchange === queue.exchange && c.exchangeType !== queue.exchangeType);
  if (sameExchange) {
    r.fail(join(path, 'exchangeType'), `${queue.exchangeType} conflicts with channel ${sameExchange.name}, which declares exchange ${queue.exchange} as ${sameExchange.kind === 'queue' ? sameExchange.exchangeType : ''}: RabbitMQ refuses to redeclare an exchange with another type`);
  }
  queue.bindings.forEach((b, i) => {
    const p = join(join(path, 'bindings'), i);
    if (queue.exchangeType === 'headers') {
      if (!b.headers || Object.keys(b.headers).length === 0) r.fail(p, 'needs headers: a headers exchange routes on message headers');
      if (b.routingKey !== undefined) r.fail(join(p, 'routingKey'), 'is ignored by a headers exchange; use headers');
    } else {
      if (b.headers !== undefined || b.match !== undefined) r.fail(p, `headers and match only apply to a headers exchange, not ${queue.exchangeType}`);
      if (queue.exchangeType !== 'fanout' && b.routingKey === undefined) r.fail(p, `needs a routingKey: a ${queue.exchangeType} exchange routes by key`);
      if (queue.exchangeType === 'fanout' && b.routingKey !== undefined) r.fail(join(p, 'routingKey'), 'is ignored by a fanout exchange (it copies every message to every bound queue)');
      if (queue.exchangeType === 'direct' && b.routingKey && /[*#]/.test(b.routingKey)) r.fail(join(p, 'routingKey'), 'wildcards * and # only work on a topic exchange');
    }
  });
  if (queue.exchangeType !== 'fanout' && queue.bindings.length === 0) r.fail(join(path, 'bindings'), 'must have at least one binding, or no message reaches the queue');
}

/** Channel names must be unique, map to distinct TypeScript identifiers, and not collide with derived names. */
function checkNames(r: Reader, spec: StackSpec): void {
  const identifiers = new Map<string, string>();
  const taken = new Map<string, string>();
  spec.channels.forEach((c, i) => {
    const path = join(join('channels', i), 'name');
    const id = channelIdentifier(c.name);
    if (RESERVED_NAMES.has(id)) r.fail(path, `${JSON.stringify(c.name)} becomes the TypeScript identifier ${id}, which ${RESERVED_RULE.replace(/^is /, 'is ')}`);
    const clash = identifiers.get(id);
    if (clash !== undefined) r.fail(path, `${JSON.stringify(c.name)} collides with channel ${JSON.stringify(clash)}: both become the TypeScript identifier ${id}`);
    identifiers.set(id, c.name);
    for (const derived of derivedNames(c)) {
      const key = `${c.broker}:${derived}`;
      const owner = taken.get(key);
      if (owner !== undefined) r.fail(path, `${JSON.stringify(c.name)} needs the ${c.broker} name ${JSON.stringify(derived)}, already used by channel ${JSON.stringify(owner)}`);
      taken.set(key, c.name);
    }
  });
  const topics = spec.channels.filter((c) => c.broker === 'kafka').map((c) => c.name.replaceAll('.', '_'));
  topics.forEach((t, i) => {
    if (topics.indexOf(t) !== i) r.fail('channels', `Kafka topics ${JSON.stringify(t)} collide: Kafka treats "." and "_" alike in metric names`);
  });
}
