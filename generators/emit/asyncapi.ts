/**
 * asyncapi.yaml: the stack's messaging contract as an AsyncAPI 3.0 document, built as an object.
 * One server per broker, one channel per spec channel (plus the reply of an RPC channel), a send
 * operation and one receive operation per consumer role, messages whose payload is the envelope
 * on the wire with `data` = the JSON Schema the generated clients validate with (clients-schema.ts,
 * the same object contracts.ts holds), and each broker's bindings (brokers/<b>/asyncapi.ts).
 */
import { BROKER_PLUGINS, pluginsOf } from '../brokers/index.ts';
import { channelIdentifier, pascalCase, type Channel, type MessageSpec, type StackSpec } from '../stack/index.ts';
import type { Area } from './area.ts';
import { ASYNCAPI_FILE, ASYNCAPI_VERSION, CHANNEL_EXTENSION, type ChannelPart, type JsonObject } from './asyncapi-model.ts';
import { contractsOf } from './clients-contracts.ts';
import { objectSchema } from './clients-schema.ts';
import { yamlFile } from './files.ts';
import { render } from './render.ts';

/** The W3C traceparent the envelope accepts (envelope.ts). */
export const TRACEPARENT_PATTERN = '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$';

/** The envelope every message travels in (templates/clients/messaging/envelope.ts.hbs), its `data` the runtime schema. */
export function envelopeSchema(message: MessageSpec): JsonObject {
  return {
    type: 'object',
    description: 'The brokerplate envelope (JSON, the same on every broker); data is the payload, validated against this schema at the boundary.',
    properties: {
      id: { type: 'string', minLength: 1, description: 'Message id: the idempotency key (a redelivery repeats it).' },
      correlationId: { type: 'string', description: 'Ties the messages of one operation together (an RPC reply carries its request\'s).' },
      type: { type: 'string', const: message.type },
      version: { type: 'integer', const: message.version },
      time: { type: 'string', format: 'date-time', description: 'Time of publication (ISO 8601).' },
      traceparent: { type: 'string', pattern: TRACEPARENT_PATTERN, description: 'W3C trace context, when the publisher has one.' },
      data: objectSchema(message.fields),
    },
    required: ['id', 'correlationId', 'type', 'version', 'time', 'data'],
  };
}

function channelPart(spec: StackSpec, channel: Channel): ChannelPart {
  switch (channel.broker) {
    case 'kafka':
      return BROKER_PLUGINS.kafka.asyncapi.channel(spec, channel);
    case 'rabbitmq':
      return BROKER_PLUGINS.rabbitmq.asyncapi.channel(spec, channel);
    case 'redis':
      return BROKER_PLUGINS.redis.asyncapi.channel(spec, channel);
  }
}

const ref = (path: string) => ({ $ref: `#/${path}` });

function message(spec: MessageSpec, part: ChannelPart | undefined): JsonObject {
  return {
    name: spec.type,
    title: `${spec.type} v${spec.version}`,
    contentType: 'application/json',
    payload: envelopeSchema(spec),
    ...(part?.messageBindings && { bindings: part.messageBindings }),
  };
}

/** The whole document. */
export function asyncApiDocument(spec: StackSpec): JsonObject {
  const { views } = contractsOf(spec);
  const servers: JsonObject = {};
  const schemes: JsonObject = {};
  for (const plugin of pluginsOf(spec)) {
    const s = plugin.asyncapi.server(spec);
    for (const scheme of s.security) schemes[scheme.name] = scheme.scheme;
    servers[plugin.id] = {
      host: s.host,
      protocol: s.protocol,
      ...(s.pathname !== undefined && { pathname: s.pathname }),
      description: s.description,
      ...(s.security.length > 0 && { security: s.security.map((x) => ref(`components/securitySchemes/${x.name}`)) }),
    };
  }
  const channels: JsonObject = {};
  const operations: JsonObject = {};
  const opId = (base: string) => {
    let id = base;
    for (let n = 2; id in operations; n++) id = `${base}${n}`;
    return id;
  };
  spec.channels.forEach((channel, i) => {
    const view = views[i];
    if (!view) throw new Error(`internal: no contract view for ${channel.name}`);
    const id = channelIdentifier(channel.name);
    const part = channelPart(spec, channel);
    channels[id] = {
      address: channel.name,
      title: `${BROKER_PLUGINS[channel.broker].names.short} ${channel.kind} ${channel.name}`,
      ...(channel.description !== undefined && { description: channel.description }),
      servers: [ref(`servers/${channel.broker}`)],
      messages: { [view.typeName]: message(channel.message, part) },
      ...(part.bindings && { bindings: part.bindings }),
      [CHANNEL_EXTENSION]: { broker: channel.broker, kind: channel.kind, semantics: channel.semantics, ...part.extension },
    };
    let reply: JsonObject | undefined;
    if (channel.broker === 'rabbitmq' && channel.kind === 'rpc' && view.replyTypeName) {
      const replyId = `${id}Reply`;
      channels[replyId] = {
        address: null,
        title: `Replies of ${channel.name}`,
        description: 'Direct reply-to (amq.rabbitmq.reply-to): the caller\'s reply address travels in each request\'s reply_to property.',
        servers: [ref('servers/rabbitmq')],
        messages: { [view.replyTypeName]: message(channel.reply, undefined) },
      };
      reply = { address: { location: '$message.header#/replyTo' }, channel: ref(`channels/${replyId}`), messages: [ref(`channels/${replyId}/messages/${view.replyTypeName}`)] };
    }
    const own = [ref(`channels/${id}/messages/${view.typeName}`)];
    operations[opId(`send${pascalCase(channel.name)}`)] = {
      action: 'send',
      channel: ref(`channels/${id}`),
      summary: `Producers publish ${channel.message.type} (${channel.semantics}).`,
      messages: own,
      ...(reply && { reply }),
    };
    for (const consumer of part.consumers) {
      operations[opId(`receive${pascalCase(channel.name)}${consumer.suffix ? pascalCase(consumer.suffix) : ''}`)] = {
        action: 'receive',
        channel: ref(`channels/${id}`),
        summary: consumer.summary,
        messages: own,
        ...(reply && { reply }),
        ...(consumer.bindings && { bindings: consumer.bindings }),
        ...consumer.extensions,
      };
    }
  });
  return {
    asyncapi: ASYNCAPI_VERSION,
    id: `urn:brokerplate:${spec.name}`,
    info: {
      title: spec.name,
      version: '1.0.0',
      description: `The messaging contract of the ${spec.name} stack (${spec.scenario}, ${spec.profile} profile), generated by brokerplate from brokerplate.yaml.`,
      [CHANNEL_EXTENSION]: { scenario: spec.scenario },
    },
    defaultContentType: 'application/json',
    servers,
    channels,
    operations,
    ...(Object.keys(schemes).length > 0 && { components: { securitySchemes: schemes } }),
  };
}

export const asyncApiArea: Area = {
  id: 'asyncapi',
  applies: () => true,
  emit: (spec) => ({
    files: [yamlFile(ASYNCAPI_FILE, asyncApiDocument(spec), 'Generated by brokerplate from brokerplate.yaml: edit the spec and re-run, not this file.\nAsyncAPI 3.0: validate with `npx @asyncapi/cli validate asyncapi.yaml`; import into another project with `brokerplate --from asyncapi.yaml`.')],
    readme: [{ title: 'The AsyncAPI contract', body: render('asyncapi/README.md', { profile: spec.profile, extension: CHANNEL_EXTENSION }).trimEnd() }],
    layout: [{ path: ASYNCAPI_FILE, purpose: 'The messaging contract as AsyncAPI 3.0: servers, channels, operations, message schemas and bindings.' }],
  }),
};
