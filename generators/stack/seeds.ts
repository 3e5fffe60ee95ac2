/**
 * Example channels each scenario starts with, drawn from the guide's own examples
 * (clickstream, orders, prioritised tasks, RPC, notifications, cache invalidation).
 * They are only a starting point: the user edits them in brokerplate.yaml.
 */
import type { BrokerId, ScenarioId } from '../guide/index.ts';
import { BrokersRefusedError, moveToChosen } from './translate.ts';
import type { Channel, KafkaTopicChannel, MessageSpec, RabbitQueueChannel, RedisPubSubChannel, RedisStreamChannel } from './types.ts';

const timestamp = { type: 'string', format: 'date-time' } as const;

/** The guide's clickstream event (also the payload of the repo benchmark, bench/spec.ts). */
export const clickEvent: MessageSpec = {
  type: 'ClickEvent',
  version: 1,
  fields: {
    userId: { type: 'string' },
    event: { type: 'string', enum: ['page_view', 'click', 'add_to_cart'] },
    page: { type: 'string' },
    timestamp,
  },
};

function clickstream(groups: string[]): KafkaTopicChannel {
  return {
    name: 'clickstream',
    broker: 'kafka',
    kind: 'topic',
    description: 'Clickstream events, keyed by user for per-user ordering; several consumer groups read the same data.',
    semantics: 'at-least-once',
    retention: '7d',
    cleanupPolicy: 'delete',
    key: 'userId',
    consumerGroups: groups,
    message: clickEvent,
  };
}

const orderEvents: KafkaTopicChannel = {
  name: 'order-events',
  broker: 'kafka',
  kind: 'topic',
  description: 'The order event log: the source of truth that projections replay to rebuild state.',
  semantics: 'exactly-once',
  retention: 'forever',
  cleanupPolicy: 'delete',
  key: 'customerId',
  consumerGroups: ['order-projections', 'audit'],
  message: {
    type: 'OrderEvent',
    version: 1,
    fields: {
      type: { type: 'string', enum: ['created', 'paid', 'shipped', 'cancelled'] },
      orderId: { type: 'string' },
      customerId: { type: 'string' },
      amount: { type: 'number', minimum: 0 },
      occurredAt: timestamp,
    },
  },
};

const pageMetrics: KafkaTopicChannel = {
  name: 'page-metrics',
  broker: 'kafka',
  kind: 'topic',
  description: 'Windowed page-view counts computed from the clickstream; compacted to the latest window per page.',
  semantics: 'exactly-once',
  retention: '30d',
  cleanupPolicy: 'compact',
  key: 'page',
  consumerGroups: ['dashboards'],
  message: {
    type: 'PageMetric',
    version: 1,
    fields: {
      page: { type: 'string' },
      windowStart: timestamp,
      views: { type: 'integer', minimum: 0 },
    },
  },
};

const auditEvents: KafkaTopicChannel = {
  name: 'events',
  broker: 'kafka',
  kind: 'topic',
  description: 'Long-term event log (the facade\'s logEvent): audit trail and analytics.',
  semantics: 'at-least-once',
  retention: '30d',
  cleanupPolicy: 'delete',
  consumerGroups: ['analytics', 'audit'],
  message: {
    type: 'LoggedEvent',
    version: 1,
    fields: { type: { type: 'string' }, data: { type: 'json' }, timestamp },
  },
};

const tasks: RabbitQueueChannel = {
  name: 'tasks',
  broker: 'rabbitmq',
  kind: 'queue',
  description: 'Background jobs with priorities (the guide\'s task queue): higher priority runs first.',
  semantics: 'at-least-once',
  exchange: 'tasks',
  exchangeType: 'direct',
  bindings: [{ routingKey: 'send_alert' }, { routingKey: 'generate_report' }, { routingKey: 'send_email' }],
  maxPriority: 10,
  deadLetter: true,
  prefetch: 10,
  message: {
    type: 'Task',
    version: 1,
    fields: {
      type: { type: 'string', enum: ['send_alert', 'generate_report', 'send_email'] },
      payload: { type: 'json', optional: true },
    },
  },
};

const orderRouting: RabbitQueueChannel = {
  name: 'eu-orders',
  broker: 'rabbitmq',
  kind: 'queue',
  description: 'European orders routed by topic pattern: consumers receive only the subset they bind to.',
  semantics: 'at-least-once',
  exchange: 'orders',
  exchangeType: 'topic',
  bindings: [{ routingKey: 'order.created.eu' }, { routingKey: 'order.*.eu.priority' }],
  deadLetter: true,
  prefetch: 20,
  message: {
    type: 'RoutedOrder',
    version: 1,
    fields: {
      orderId: { type: 'string' },
      region: { type: 'string', enum: ['eu', 'us', 'apac'] },
      total: { type: 'number', minimum: 0 },
    },
  },
};

const documents: RabbitQueueChannel = {
  name: 'pdf-invoices',
  broker: 'rabbitmq',
  kind: 'queue',
  description: 'Header-based routing: only invoices whose headers match every binding header arrive here.',
  semantics: 'at-least-once',
  exchange: 'documents',
  exchangeType: 'headers',
  bindings: [{ headers: { kind: 'invoice', format: 'pdf' }, match: 'all' }],
  deadLetter: true,
  prefetch: 5,
  message: {
    type: 'DocumentRequest',
    version: 1,
    fields: { documentId: { type: 'string' }, kind: { type: 'string' }, format: { type: 'string' } },
  },
};

const quote: Channel = {
  name: 'quote-requests',
  broker: 'rabbitmq',
  kind: 'rpc',
  description: 'Request-reply over RabbitMQ: a caller asks for a price and waits for the answer.',
  semantics: 'at-least-once',
  timeout: '5s',
  prefetch: 10,
  message: {
    type: 'QuoteRequest',
    version: 1,
    fields: { sku: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } },
  },
  reply: {
    type: 'Quote',
    version: 1,
    fields: { sku: { type: 'string' }, unitPrice: { type: 'number', minimum: 0 }, currency: { type: 'string', enum: ['EUR', 'USD'] } },
  },
};

const telemetry: RabbitQueueChannel = {
  name: 'telemetry',
  broker: 'rabbitmq',
  kind: 'queue',
  description: 'Device readings published over MQTT (topic sensors/<device>/<metric>) and consumed over AMQP.',
  semantics: 'at-least-once',
  exchange: 'amq.topic',
  exchangeType: 'topic',
  bindings: [{ routingKey: 'sensors.#' }],
  deadLetter: true,
  prefetch: 50,
  message: {
    type: 'Reading',
    version: 1,
    fields: { deviceId: { type: 'string' }, metric: { type: 'string' }, value: { type: 'number' }, recordedAt: timestamp },
  },
};

const notifications: RedisPubSubChannel = {
  name: 'notifications',
  broker: 'redis',
  kind: 'pubsub',
  description: 'Real-time updates to connected clients (fire-and-forget: offline subscribers miss them).',
  semantics: 'at-most-once',
  message: {
    type: 'Notification',
    version: 1,
    fields: { userId: { type: 'string' }, event: { type: 'string' }, message: { type: 'string', optional: true } },
  },
};

const cacheInvalidate: RedisPubSubChannel = {
  name: 'cache:invalidate',
  broker: 'redis',
  kind: 'pubsub',
  description: 'Cache invalidation signals: every instance drops the key from its local cache.',
  semantics: 'at-most-once',
  message: {
    type: 'CacheInvalidation',
    version: 1,
    fields: { key: { type: 'string' }, reason: { type: 'string', optional: true } },
  },
};

const ordersStream: RedisStreamChannel = {
  name: 'orders',
  broker: 'redis',
  kind: 'stream',
  description: 'A lightweight work queue / event log on Redis Streams with a consumer group.',
  semantics: 'at-least-once',
  consumerGroups: ['order-processors'],
  maxLen: 100_000,
  maxDeliveries: 5,
  message: {
    type: 'OrderEntry',
    version: 1,
    fields: { orderId: { type: 'string' }, customer: { type: 'string' }, status: { type: 'string', enum: ['created', 'paid', 'shipped'] } },
  },
};

const SEEDS: Readonly<Record<ScenarioId, readonly Channel[]>> = {
  'event-streaming': [clickstream(['analytics', 'ml-recommendations', 'archive'])],
  'event-sourcing': [orderEvents],
  'background-jobs': [tasks],
  'complex-routing': [orderRouting, documents],
  rpc: [quote],
  'realtime-notifications': [notifications, cacheInvalidate],
  'queue-and-cache': [ordersStream, cacheInvalidate],
  'iot-mqtt': [telemetry],
  'analytics-pipeline': [clickstream(['analytics', 'ml-recommendations', 'archive']), pageMetrics],
  microservices: [orderEvents, orderRouting, quote],
  hybrid: [auditEvents, tasks, notifications, cacheInvalidate],
};

/** What a broker gets when the user picks it but the scenario has no channel for it. */
const FALLBACK: Readonly<Record<BrokerId, readonly Channel[]>> = {
  kafka: [auditEvents],
  rabbitmq: [tasks],
  redis: [notifications],
};

/**
 * The scenario's channels for the chosen brokers, deep-copied so callers may edit them. A channel
 * whose broker the guide recommends but `--brokers` left out moves to its closest equivalent on a
 * chosen one (translate.ts), or the build is refused with the guide's reason; a chosen broker left
 * without a channel gets an example.
 */
export function seedChannels(scenario: ScenarioId, brokers: readonly BrokerId[], recommended: readonly BrokerId[] = brokers): Channel[] {
  const picked: Channel[] = [];
  for (const seed of SEEDS[scenario]) {
    if (brokers.includes(seed.broker)) {
      picked.push(seed);
      continue;
    }
    // A seed of a broker the guide does not recommend here (microservices at the other scale) is not the scenario's intent.
    if (!recommended.includes(seed.broker)) continue;
    const moved = moveToChosen(seed, brokers);
    if (!moved.ok) {
      throw new BrokersRefusedError(`the ${scenario} scenario's channel ${JSON.stringify(seed.name)} (a ${seed.broker} ${seed.kind}, ${seed.semantics}) has no equivalent on ${brokers.join(', ')}: ${moved.reasons.join('; ')}`);
    }
    picked.push(moved.channel);
  }
  for (const broker of brokers) {
    if (!picked.some((c) => c.broker === broker)) picked.push(...FALLBACK[broker]);
  }
  return structuredClone(picked);
}
