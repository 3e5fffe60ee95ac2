/**
 * Read-side helpers every emitter shares: the active profile's settings of a broker, its
 * channels, and the names derived from a channel (dead-letter queues, streams and topics).
 * Keeping the derivations here means compose, Kubernetes, clients and monitoring agree.
 */
import { BROKER_IDS, type BrokerId } from '../guide/index.ts';
import { durationMs } from './naming.ts';
import type {
  BrokerSettingsMap,
  Channel,
  ChannelOf,
  KafkaScaling,
  KafkaTopicChannel,
  RabbitScaling,
  RedisScaling,
  StackSpec,
} from './types.ts';

export interface ScalingMap {
  kafka: KafkaScaling;
  rabbitmq: RabbitScaling;
  redis: RedisScaling;
}

/** The brokers of a stack, always in the guide's order (so output order never depends on the spec's key order). */
export function brokersOf(spec: StackSpec): BrokerId[] {
  return BROKER_IDS.filter((b) => spec.brokers[b] !== undefined);
}

export function settingsOf<B extends BrokerId>(spec: StackSpec, broker: B): BrokerSettingsMap[B] {
  const settings = spec.brokers[broker];
  if (!settings) throw new Error(`the stack has no ${broker}`);
  return settings as BrokerSettingsMap[B];
}

/** The active profile's scaling block of a broker. */
export function scalingOf<B extends BrokerId>(spec: StackSpec, broker: B): ScalingMap[B] {
  const pick: { [K in BrokerId]: () => ScalingMap[K] } = {
    kafka: () => settingsOf(spec, 'kafka')[spec.profile],
    rabbitmq: () => settingsOf(spec, 'rabbitmq')[spec.profile],
    redis: () => settingsOf(spec, 'redis')[spec.profile],
  };
  return pick[broker]();
}

export function channelsOf<B extends BrokerId>(spec: StackSpec, broker: B): ChannelOf<B>[] {
  return spec.channels.filter((c): c is ChannelOf<B> => c.broker === broker);
}

export function topicPartitions(spec: StackSpec, topic: KafkaTopicChannel): number {
  return topic.partitions ?? scalingOf(spec, 'kafka').partitions;
}

export function topicReplication(spec: StackSpec, topic: KafkaTopicChannel): number {
  return topic.replicationFactor ?? scalingOf(spec, 'kafka').replicationFactor;
}

export function retentionMs(topic: KafkaTopicChannel): number {
  return durationMs(topic.retention);
}

/** Where messages that fail validation or processing go, per channel. */
export function deadLetterName(channel: Channel): string | undefined {
  switch (channel.broker) {
    case 'kafka':
      return `${channel.name}.dlq`;
    case 'rabbitmq':
      return channel.kind === 'queue' && channel.deadLetter ? `${channel.name}.dlq` : undefined;
    case 'redis':
      return `${channel.name}:dead`;
  }
}

/** The dead-letter exchange of a RabbitMQ queue channel. */
export function deadLetterExchange(channel: ChannelOf<'rabbitmq'>): string | undefined {
  return channel.kind === 'queue' && channel.deadLetter ? `${channel.name}.dlx` : undefined;
}

/** Every broker-side name a channel occupies (exchanges may be shared, so they are not listed). */
export function derivedNames(channel: Channel): string[] {
  const names = [channel.name];
  const dead = deadLetterName(channel);
  if (dead) names.push(dead);
  if (channel.broker === 'rabbitmq') {
    const dlx = deadLetterExchange(channel);
    if (dlx) names.push(dlx);
  }
  return names;
}
