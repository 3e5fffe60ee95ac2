/**
 * RabbitMQ in the AsyncAPI contract: the server (AMQP; prod: AMQPS, always a user and password,
 * the vhost as pathname), each queue's AMQP binding (the durable queue, with the exchange and its
 * bindings as `x-` fields), RPC channels as request-reply; and the way back for `brokerplate --from`.
 */
import { AMQP_BINDING_VERSION, MappingError, objectAt, type AsyncApiPart, type JsonObject } from '../../emit/asyncapi-model.ts';
import { EXCHANGE_TYPES, scalingOf, settingsOf, type RabbitBinding } from '../../stack/index.ts';
import { APP_USER, rabbitHostPorts } from './connection.ts';

const USER_PASSWORD = {
  name: 'rabbitmqUserPassword',
  scheme: { type: 'userPassword', description: `The application user "${APP_USER}" (RABBITMQ_URL); its password is generated into .env (prod: over AMQPS, with the stack's own CA), never in this file.` },
};

function queueBinding(name: string, vhost: string, extra: JsonObject = {}): JsonObject {
  return { amqp: { is: 'queue', queue: { name, durable: true, exclusive: false, autoDelete: false, vhost }, ...extra, bindingVersion: AMQP_BINDING_VERSION } };
}

function readBindings(value: unknown, path: string): RabbitBinding[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new MappingError(path, 'must be a list of bindings ({ routingKey } or { headers, match })');
  return value.map((b, i) => {
    const o = objectAt(b);
    if (!o) throw new MappingError(`${path}[${i}]`, 'must be a mapping');
    return o as RabbitBinding;
  });
}

export const rabbitmqAsyncApi: AsyncApiPart<'rabbitmq'> = {
  protocols: ['amqp', 'amqps', 'mqtt', 'secure-mqtt'],
  server: (spec) => {
    const nodes = Array.from({ length: scalingOf(spec, 'rabbitmq').nodes }, (_, i) => `127.0.0.1:${rabbitHostPorts(spec, i).amqp}`);
    const prod = spec.profile === 'prod';
    return {
      protocol: prod ? 'amqps' : 'amqp',
      host: nodes[0] ?? '',
      pathname: `/${settingsOf(spec, 'rabbitmq').vhost}`,
      description: `RabbitMQ (${spec.profile}): nodes ${nodes.join(', ')} as published by docker compose on the host (RABBITMQ_HOSTS); the pathname is the vhost.`,
      security: [USER_PASSWORD],
    };
  },
  channel: (spec, channel) => {
    const vhost = settingsOf(spec, 'rabbitmq').vhost;
    if (channel.kind === 'rpc') {
      return {
        bindings: queueBinding(channel.name, vhost),
        extension: { timeout: channel.timeout, prefetch: channel.prefetch },
        consumers: [{ suffix: '', summary: 'The server answers each request on its reply-to address (direct reply-to).' }],
      };
    }
    return {
      bindings: queueBinding(channel.name, vhost, { 'x-exchange': { name: channel.exchange, type: channel.exchangeType, durable: true }, 'x-bindings': channel.bindings }),
      extension: {
        deadLetter: channel.deadLetter,
        ...(channel.messageTtl !== undefined && { messageTtl: channel.messageTtl }),
        ...(channel.maxPriority !== undefined && { maxPriority: channel.maxPriority }),
        prefetch: channel.prefetch,
      },
      consumers: [{ suffix: '', summary: `Competing consumers share the queue (manual acks, prefetch ${channel.prefetch}).` }],
    };
  },
  read: (input) => {
    const b = input.binding ?? {};
    const path = `${input.path}.bindings.amqp`;
    const x = input.extension ?? {};
    const is = b.is ?? 'routingKey';
    const queue = objectAt(b.queue);
    const exchange = objectAt(b.exchange) ?? objectAt(b['x-exchange']);
    if (queue?.name !== undefined && queue.name !== input.address && is === 'queue') throw new MappingError(`${path}.queue.name`, `names queue ${JSON.stringify(queue.name)} but the channel's address is ${JSON.stringify(input.address)}; brokerplate names a queue once`);
    if (queue?.exclusive === true || queue?.autoDelete === true) throw new MappingError(`${path}.queue`, 'declares an exclusive or auto-delete queue; brokerplate declares durable shared queues (a reply queue belongs in an operation\'s reply)');
    const prefetch = typeof x.prefetch === 'number' ? x.prefetch : 10;
    if (input.hasReply || x.kind === 'rpc') {
      return { kind: 'rpc', timeout: typeof x.timeout === 'string' ? x.timeout : '5s', prefetch };
    }
    const topic = /[{/]/.test(input.address) || input.protocol.endsWith('mqtt');
    if (topic) {
      // An MQTT topic (or a parameterised address) as RabbitMQ's MQTT plugin routes it: through the
      // amq.topic exchange, "/" separating words, a parameter matching one word ("*").
      if (exchange?.type !== undefined && exchange.type !== 'topic') throw new MappingError(`${path}.exchange.type`, 'must be topic for a parameterised address (a parameter becomes a * in the binding key)');
      return {
        kind: 'queue',
        name: input.id.replace(/[^A-Za-z0-9._:-]+/g, '.').replace(/^\.+|\.+$/g, ''),
        exchange: typeof exchange?.name === 'string' ? exchange.name : 'amq.topic',
        exchangeType: 'topic',
        bindings: [{ routingKey: input.address.split('/').join('.').replace(/\{[^}]*\}/g, '*') }],
        deadLetter: true,
        prefetch,
      };
    }
    const type = exchange?.type ?? 'direct';
    if (type === 'default') throw new MappingError(`${path}.exchange.type`, 'is the default exchange; name a direct, topic, fanout or headers exchange');
    if (!(EXCHANGE_TYPES as readonly unknown[]).includes(type)) throw new MappingError(`${path}.exchange.type`, `${JSON.stringify(type)} is not an exchange type (direct, topic, fanout, headers)`);
    const routed = is === 'routingKey';
    // Without x-bindings: bound with the address (the routing key, or the queue's own name).
    const bindings = readBindings(b['x-bindings'], `${path}.x-bindings`) ?? [{ routingKey: input.address }];
    return {
      kind: 'queue',
      // A routingKey channel's address is the key; the queue is named after the channel id.
      ...(routed && { name: input.id }),
      exchange: typeof exchange?.name === 'string' ? exchange.name : `${routed ? input.id : input.address}.exchange`,
      exchangeType: type,
      bindings,
      ...(typeof x.maxPriority === 'number' && { maxPriority: x.maxPriority }),
      deadLetter: typeof x.deadLetter === 'boolean' ? x.deadLetter : true,
      ...(typeof x.messageTtl === 'string' && { messageTtl: x.messageTtl }),
      prefetch,
    };
  },
};
