/**
 * A scenario's channel moved to another broker when `--brokers` leaves its own out: the equivalent
 * the guide's tables give (guide/equivalents.ts), keeping the channel's delivery guarantee where the
 * target broker has it natively (guide/semantics.ts), or the guide's reason it cannot move.
 */
import { BROKERS, DELIVERY_SEMANTICS, EQUIVALENTS, type BrokerId, type ChannelShape } from '../guide/index.ts';
import type { Channel, KafkaTopicChannel, RabbitQueueChannel, RedisStreamChannel } from './types.ts';

export type Moved = { ok: true; channel: Channel } | { ok: false; reasons: string[] };

/** Thrown by buildSpec when a scenario's channel has no equivalent on any chosen broker. */
export class BrokersRefusedError extends Error {
  override name = 'BrokersRefusedError';
}

function shapeOf(channel: Channel): ChannelShape {
  if (channel.broker === 'rabbitmq' && channel.kind === 'queue' && (channel.exchangeType === 'topic' || channel.exchangeType === 'headers')) return 'rabbitmq/routed-queue';
  return `${channel.broker}/${channel.kind}` as ChannelShape;
}

/** The channel's name in the target broker's grammar (a Kafka topic has no ":"). */
function nameOn(broker: BrokerId, name: string): string {
  const invalid: Readonly<Record<BrokerId, RegExp>> = { kafka: /[^a-zA-Z0-9._-]+/g, rabbitmq: /[^A-Za-z0-9._:-]+/g, redis: /[^A-Za-z0-9._:{}-]+/g };
  return name.replace(invalid[broker], '.');
}

/** The consumer groups that read it: a log's own groups, else one group of workers (a queue) or of subscribers. */
function groupsOf(channel: Channel, name: string): string[] {
  if (channel.broker === 'kafka' || (channel.broker === 'redis' && channel.kind === 'stream')) return [...channel.consumerGroups];
  return [`${name.replace(/[^A-Za-z0-9._-]+/g, '-')}-${channel.broker === 'redis' ? 'subscribers' : 'workers'}`];
}

function build(channel: Channel, target: BrokerId, kind: 'topic' | 'queue' | 'stream', description: string): Channel {
  const name = nameOn(target, channel.name);
  const common = { name, description, semantics: channel.semantics, message: channel.message };
  switch (kind) {
    case 'topic':
      return { ...common, broker: 'kafka', kind, retention: channel.broker === 'redis' && channel.kind === 'pubsub' ? '1d' : '7d', cleanupPolicy: 'delete', consumerGroups: groupsOf(channel, name) } satisfies KafkaTopicChannel;
    case 'stream':
      return { ...common, broker: 'redis', kind, consumerGroups: groupsOf(channel, name), maxLen: 100_000, maxDeliveries: 5 } satisfies RedisStreamChannel;
    case 'queue': {
      const broadcast = channel.broker === 'redis' && channel.kind === 'pubsub';
      return {
        ...common,
        broker: 'rabbitmq',
        kind,
        exchange: name,
        exchangeType: broadcast ? 'fanout' : 'direct',
        bindings: broadcast ? [] : [{ routingKey: name }],
        deadLetter: channel.semantics !== 'at-most-once',
        prefetch: 10,
      } satisfies RabbitQueueChannel;
    }
  }
}

/** The channel on `target`, or why it cannot go there. */
export function moveChannel(channel: Channel, target: BrokerId): Moved {
  const equivalent = EQUIVALENTS[shapeOf(channel)][target];
  const title = BROKERS[target].title;
  if (!equivalent) return { ok: false, reasons: [`${title} has no equivalent of a ${channel.broker} ${channel.kind}`] };
  if ('refused' in equivalent) return { ok: false, reasons: [`${title}: ${equivalent.refused}`] };
  const support = DELIVERY_SEMANTICS[target][channel.semantics];
  if (!support.native) return { ok: false, reasons: [`${title}: the channel is ${channel.semantics}, which ${title} does not give (the guide: "${support.how}")`] };
  const from = BROKERS[channel.broker].title;
  const note = `Moved from ${from} by --brokers: ${equivalent.why}.${equivalent.loses ? ` Not kept: ${equivalent.loses}.` : ''}`;
  return { ok: true, channel: build(channel, target, equivalent.kind, channel.description ? `${channel.description} ${note}` : note) };
}

/** The first chosen broker (in the guide's order of preference for the channel's shape) that can take it. */
export function moveToChosen(channel: Channel, chosen: readonly BrokerId[]): Moved {
  const reasons: string[] = [];
  for (const target of Object.keys(EQUIVALENTS[shapeOf(channel)]) as BrokerId[]) {
    if (!chosen.includes(target)) continue;
    const moved = moveChannel(channel, target);
    if (moved.ok) return moved;
    reasons.push(...moved.reasons);
  }
  return { ok: false, reasons };
}
