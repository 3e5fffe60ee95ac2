/**
 * src/messaging/contracts.ts as data: one type per distinct message, a view per channel for the
 * templates, and each channel's descriptor (the CHANNELS entry), with the broker's own fields.
 */
import { BROKER_PLUGINS } from '../brokers/index.ts';
import { channelIdentifier, deadLetterName, pascalCase, type Channel, type MessageSpec, type StackSpec } from '../stack/index.ts';
import type { ChannelView, TypeView } from './clients-model.ts';
import { invalidSample, fieldLines, objectSchema, sampleObject, varyField } from './clients-schema.ts';

/** Names the generated contracts.ts exports itself; a message type may not take them. */
const RESERVED = new Set(['CHANNELS', 'ChannelName', 'Payloads', 'Replies', 'KafkaTopic', 'RabbitQueue', 'RabbitRpc', 'RedisPubSub', 'RedisStream', 'ChannelContract', 'MessageContract', 'Envelope']);

export interface Contracts {
  types: TypeView[];
  views: ChannelView[];
  descriptors: Record<string, Record<string, unknown>>;
}

function messageContract(message: MessageSpec): Record<string, unknown> {
  return { type: message.type, version: message.version, schema: objectSchema(message.fields) };
}

/** Type names per message: one interface per distinct message; a name two different messages share gets the channel as prefix. */
function typeNames(channels: readonly Channel[]): { types: TypeView[]; nameOf: (c: Channel, part: 'message' | 'reply') => string } {
  const messages: { channel: Channel; part: 'message' | 'reply'; spec: MessageSpec }[] = channels.flatMap((c) => [
    { channel: c, part: 'message' as const, spec: c.message },
    ...(c.broker === 'rabbitmq' && c.kind === 'rpc' ? [{ channel: c, part: 'reply' as const, spec: c.reply }] : []),
  ]);
  const shapes = new Map<string, Set<string>>();
  for (const m of messages) {
    const set = shapes.get(m.spec.type) ?? new Set<string>();
    set.add(JSON.stringify(m.spec.fields));
    shapes.set(m.spec.type, set);
  }
  const chosen = new Map<string, string>();
  const types = new Map<string, TypeView>();
  for (const m of messages) {
    let name = (shapes.get(m.spec.type)?.size ?? 0) > 1 ? `${pascalCase(m.channel.name)}${m.spec.type}` : m.spec.type;
    if (RESERVED.has(name)) name = `${name}Message`;
    chosen.set(`${m.channel.name}\u0000${m.part}`, name);
    if (!types.has(name)) {
      const what = m.part === 'reply' ? `Reply of the RPC channel \`${m.channel.name}\`` : `Payload of \`${m.channel.name}\` (${BROKER_PLUGINS[m.channel.broker].names.short} ${m.channel.kind})`;
      const text = `${what}, schema version ${m.spec.version}.${m.channel.description ? ` ${m.channel.description}` : ''}`;
      types.set(name, { name, doc: text, body: fieldLines(m.spec.fields, '  ').replace(/\n$/, '') });
    }
  }
  return {
    types: [...types.values()],
    nameOf: (c, part) => chosen.get(`${c.name}\u0000${part}`) ?? c.message.type,
  };
}

function descriptorOf(spec: StackSpec, channel: Channel): Record<string, unknown> {
  const part: Record<string, unknown> = (() => {
    switch (channel.broker) {
      case 'kafka':
        return BROKER_PLUGINS.kafka.client.descriptor(spec, channel);
      case 'rabbitmq':
        return BROKER_PLUGINS.rabbitmq.client.descriptor(spec, channel);
      case 'redis':
        return BROKER_PLUGINS.redis.client.descriptor(spec, channel);
    }
  })();
  const dead = deadLetterName(channel);
  return {
    name: channel.name,
    broker: channel.broker,
    kind: channel.kind,
    semantics: channel.semantics,
    message: messageContract(channel.message),
    ...(channel.broker === 'rabbitmq' && channel.kind === 'rpc' && { reply: messageContract(channel.reply) }),
    ...(dead !== undefined && { deadLetter: dead }),
    ...part,
  };
}

export function contractsOf(spec: StackSpec): Contracts {
  const { types, nameOf } = typeNames(spec.channels);
  const views = spec.channels.map((c): ChannelView => {
    const vary = varyField(c.message);
    const dead = deadLetterName(c);
    return {
      channel: c,
      name: c.name,
      literal: JSON.stringify(c.name),
      id: channelIdentifier(c.name),
      pascal: pascalCase(c.name),
      broker: c.broker,
      kind: c.kind,
      semantics: c.semantics,
      typeName: nameOf(c, 'message'),
      ...(c.broker === 'rabbitmq' && c.kind === 'rpc' && { replyTypeName: nameOf(c, 'reply'), replySampleJson: JSON.stringify(sampleObject(c.reply.fields)) }),
      ...(dead !== undefined && { deadLetter: dead }),
      sampleJson: JSON.stringify(sampleObject(c.message.fields)),
      invalidJson: JSON.stringify(invalidSample(c.message)),
      ...(vary !== undefined && { varyField: vary }),
      description: c.description ?? '',
    };
  });
  const descriptors = Object.fromEntries(spec.channels.map((c) => [c.name, descriptorOf(spec, c)]));
  return { types, views, descriptors };
}
