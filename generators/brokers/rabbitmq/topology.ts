/**
 * The RabbitMQ topology of a stack (exchanges, queues with their x-arguments, bindings), in the
 * shape of a definitions.json export minus the vhost. It is the ONE source of queue arguments:
 * the broker config (definitions.json, loaded at boot) and the generated TypeScript client (which
 * declares the same topology on connect) both read it, so a queue declared by either side has
 * identical arguments. RabbitMQ refuses a re-declaration with different arguments
 * (PRECONDITION_FAILED), so any drift fails loudly at start-up instead of silently.
 */
import {
  channelsOf,
  deadLetterExchange,
  deadLetterName,
  durationMs,
  RABBIT_PREDECLARED,
  scalingOf,
  type ChannelOf,
  type StackSpec,
} from '../../stack/index.ts';

export type QueueArgument = string | number | boolean;

export interface ExchangeDef {
  name: string;
  type: string;
  durable: boolean;
  auto_delete: boolean;
  internal: boolean;
  arguments: Record<string, QueueArgument>;
}

export interface QueueDef {
  name: string;
  durable: boolean;
  auto_delete: boolean;
  arguments: Record<string, QueueArgument>;
}

export interface BindingDef {
  source: string;
  destination: string;
  destination_type: 'queue';
  routing_key: string;
  arguments: Record<string, QueueArgument>;
}

export interface RabbitTopology {
  exchanges: ExchangeDef[];
  queues: QueueDef[];
  bindings: BindingDef[];
}

/**
 * The queue type of a channel: the profile's. Priority queues too: a classic queue lives on one
 * node (RabbitMQ 4 has no mirroring), so a replicated profile cannot keep them classic. A quorum
 * queue has no `x-max-priority` (it refuses the argument) but always two levels, normal and high
 * (see priorityLevels()).
 */
export function queueType(spec: StackSpec): 'classic' | 'quorum' {
  return scalingOf(spec, 'rabbitmq').queueType;
}

/**
 * How a queue's priorities reach the broker. `strict`: a classic queue with `x-max-priority`,
 * every level its own (higher first). `two-level`: a quorum queue (RabbitMQ 4), where AMQP
 * priorities 0-4 are normal and 5 and above high, delivered 2:1 so normal work never starves; the
 * client maps the spec's range onto them, the upper half of it (priority >= highFrom) being high.
 */
export type PriorityLevels = { readonly kind: 'strict'; readonly max: number } | { readonly kind: 'two-level'; readonly max: number; readonly highFrom: number };

/** RabbitMQ 4's quorum queues: an AMQP priority of at least this is high. */
export const QUORUM_HIGH_PRIORITY = 5;

export function priorityLevels(spec: StackSpec, channel: ChannelOf<'rabbitmq'>): PriorityLevels | undefined {
  if (channel.kind !== 'queue' || channel.maxPriority === undefined) return undefined;
  const max = channel.maxPriority;
  return queueType(spec) === 'classic' ? { kind: 'strict', max } : { kind: 'two-level', max, highFrom: Math.max(1, Math.ceil(max / 2)) };
}

/** The x-arguments of a channel's main queue (the request queue for RPC channels). */
export function queueArguments(spec: StackSpec, channel: ChannelOf<'rabbitmq'>): Record<string, QueueArgument> {
  const args: Record<string, QueueArgument> = { 'x-queue-type': queueType(spec) };
  if (channel.kind === 'queue') {
    const priorities = priorityLevels(spec, channel);
    if (priorities?.kind === 'strict') args['x-max-priority'] = priorities.max;
    const dlx = deadLetterExchange(channel);
    if (dlx) args['x-dead-letter-exchange'] = dlx;
    if (channel.messageTtl !== undefined) args['x-message-ttl'] = durationMs(channel.messageTtl);
  }
  return sortKeys(args);
}

/** The x-arguments of a dead-letter queue: the profile's queue type, no further dead-lettering. */
export function deadLetterQueueArguments(spec: StackSpec): Record<string, QueueArgument> {
  return { 'x-queue-type': scalingOf(spec, 'rabbitmq').queueType };
}

export function rabbitTopology(spec: StackSpec): RabbitTopology {
  const exchanges = new Map<string, ExchangeDef>();
  const queues: QueueDef[] = [];
  const bindings: BindingDef[] = [];
  const exchange = (name: string, type: string) => {
    // Predeclared amq.* exchanges exist in every vhost and may not be redeclared.
    if (RABBIT_PREDECLARED[name] === undefined) exchanges.set(name, { name, type, durable: true, auto_delete: false, internal: false, arguments: {} });
  };
  for (const channel of channelsOf(spec, 'rabbitmq')) {
    queues.push({ name: channel.name, durable: true, auto_delete: false, arguments: queueArguments(spec, channel) });
    // RPC requests go through the default exchange; replies come back by direct reply-to.
    if (channel.kind !== 'queue') continue;
    exchange(channel.exchange, channel.exchangeType);
    const bound = channel.bindings.length > 0 ? channel.bindings : [{}];
    for (const b of bound) {
      const args: Record<string, QueueArgument> = b.headers ? { ...b.headers, 'x-match': b.match ?? 'all' } : {};
      bindings.push({ source: channel.exchange, destination: channel.name, destination_type: 'queue', routing_key: b.routingKey ?? '', arguments: sortKeys(args) });
    }
    const dlx = deadLetterExchange(channel);
    const dlq = deadLetterName(channel);
    if (dlx && dlq) {
      // A fanout DLX: every rejected or expired message of the queue lands in its .dlq, whatever its routing key.
      exchange(dlx, 'fanout');
      queues.push({ name: dlq, durable: true, auto_delete: false, arguments: deadLetterQueueArguments(spec) });
      bindings.push({ source: dlx, destination: dlq, destination_type: 'queue', routing_key: '', arguments: {} });
    }
  }
  const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { exchanges: [...exchanges.values()].sort(byName), queues: queues.sort(byName), bindings };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
