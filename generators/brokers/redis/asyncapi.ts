/**
 * Redis in the AsyncAPI contract: the server (prod: TLS, `rediss`; always an ACL user and
 * password), and its channels. The AsyncAPI Redis binding (0.1.0) has no fields, so a channel's
 * kind (pub/sub or stream), trimming and delivery limit travel in `x-brokerplate`, and a stream
 * consumer's group in the receive operation's `x-consumer-group`. The way back for `--from`: a
 * channel is a stream when `x-brokerplate.kind` says so or a receiver names a consumer group,
 * else pub/sub.
 */
import { MappingError, type AsyncApiPart } from '../../emit/asyncapi-model.ts';
import { scalingOf } from '../../stack/index.ts';
import { APP_USER, REDIS_PORTS, redisHostPort } from './connection.ts';

const USER_PASSWORD = {
  name: 'redisUserPassword',
  scheme: { type: 'userPassword', description: `The Redis ACL user "${APP_USER}" (REDIS_URL); its password is generated into .env (prod: over TLS, with the stack's own CA), never in this file.` },
};

export const redisAsyncApi: AsyncApiPart<'redis'> = {
  protocols: ['redis', 'rediss'],
  server: (spec) => {
    const scaling = scalingOf(spec, 'redis');
    const sentinels = scaling.mode === 'sentinel' ? Array.from({ length: scaling.sentinels }, (_, i) => `127.0.0.1:${redisHostPort('redis-sentinel', i)}`) : [];
    const prod = spec.profile === 'prod';
    return {
      protocol: prod ? 'rediss' : 'redis',
      host: `127.0.0.1:${REDIS_PORTS.redis}`,
      description: `Redis (${spec.profile}, ${scaling.mode}): the first data node as published by docker compose on the host (REDIS_URL)${sentinels.length > 0 ? `; clients find the primary through the Sentinels ${sentinels.join(', ')} (REDIS_SENTINELS)` : ''}.`,
      security: [USER_PASSWORD],
    };
  },
  channel: (_spec, channel) =>
    channel.kind === 'pubsub'
      ? { extension: {}, consumers: [{ suffix: '', summary: 'Every subscriber gets every message published while it is subscribed (fire-and-forget).' }] }
      : {
          extension: { maxLen: channel.maxLen, maxDeliveries: channel.maxDeliveries },
          consumers: channel.consumerGroups.map((group) => ({
            suffix: group,
            summary: `Consumer group ${group} reads the stream (XREADGROUP, XACK after processing; after ${channel.maxDeliveries} deliveries an entry moves to the dead-letter stream).`,
            extensions: { 'x-consumer-group': group },
          })),
        },
  read: (input) => {
    const x = input.extension ?? {};
    const groups = input.receivers.map((r) => r.extensions['x-consumer-group']).filter((g): g is string => typeof g === 'string');
    if (input.hasReply) throw new MappingError(input.path, 'declares a reply; brokerplate generates request-reply on RabbitMQ only (an amqp server)');
    if (x.kind !== 'stream' && groups.length === 0) return { kind: 'pubsub' };
    return {
      kind: 'stream',
      consumerGroups: groups.length > 0 ? [...new Set(groups)] : input.receivers.map((r) => r.id),
      maxLen: typeof x.maxLen === 'number' ? x.maxLen : 100_000,
      maxDeliveries: typeof x.maxDeliveries === 'number' ? x.maxDeliveries : 5,
    };
  },
};
