/**
 * RabbitMQ's part of the typed clients: publisher confirms, manual acks, priorities, RPC over
 * direct reply-to, dead-lettering. The topology the client declares comes from topology.ts, the
 * same builder as the broker's definitions.json.
 */
import { deadLetterExchange, durationMs, type RabbitQueueChannel } from '../../stack/index.ts';
import type { ChannelView, ClientPart, ClientsContext } from '../../emit/clients-model.ts';
import { file } from '../../emit/files.ts';
import { render } from '../../emit/render.ts';
import { queueType, rabbitTopology } from './topology.ts';

/** The payload field whose value is the routing key, when its enum lists exactly the binding keys (the guide's task['type']). */
function routeBy(channel: RabbitQueueChannel): string | undefined {
  const keys = channel.bindings.map((b) => b.routingKey).filter((k): k is string => k !== undefined);
  if (keys.length === 0 || keys.some((k) => /[*#]/.test(k))) return undefined;
  return Object.entries(channel.message.fields).find(([, f]) => f.type === 'string' && !f.optional && f.enum !== undefined && f.enum.length === keys.length && f.enum.every((v) => keys.includes(v)))?.[0];
}

/** A routing key that reaches the queue: a literal binding key, else the first pattern with its wildcards filled in. */
function defaultRoutingKey(channel: RabbitQueueChannel): string {
  const keys = channel.bindings.map((b) => b.routingKey).filter((k): k is string => k !== undefined);
  return keys.find((k) => !/[*#]/.test(k)) ?? keys[0]?.split('.').map((w) => (w === '*' || w === '#' ? 'any' : w)).join('.') ?? '';
}

/** This broker's channel views, optionally of one kind. */
function viewsOf(ctx: ClientsContext, kind?: ChannelView['kind']): ChannelView[] {
  return ctx.channels.filter((v) => v.broker === 'rabbitmq' && (kind === undefined || v.kind === kind));
}

export const rabbitmqClient: ClientPart<'rabbitmq'> = {
  dependencies: ['rabbitmq-client'],
  facade: [
    { method: 'enqueueTask', kind: 'queue', extra: ', 5' },
    { method: 'call', kind: 'rpc', extra: '' },
  ],
  descriptor: (_spec, channel) => {
    if (channel.kind === 'rpc') {
      return { timeoutMs: durationMs(channel.timeout), prefetch: channel.prefetch };
    }
    const by = routeBy(channel);
    const first = channel.bindings[0];
    const dlx = deadLetterExchange(channel);
    return {
      exchange: channel.exchange,
      exchangeType: channel.exchangeType,
      routingKey: defaultRoutingKey(channel),
      ...(by !== undefined && { routeBy: by }),
      ...(first?.headers !== undefined && { headers: first.headers }),
      ...(channel.maxPriority !== undefined && { maxPriority: channel.maxPriority }),
      ...(dlx !== undefined && { deadLetterExchange: dlx }),
      prefetch: channel.prefetch,
    };
  },
  files: (spec, ctx) => [
    file('src/messaging/rabbitmq.ts', render('clients/messaging/rabbitmq.ts', ctx)),
    file('src/messaging/rabbitmq-topology.ts', render('clients/messaging/rabbitmq-topology.ts', { ...ctx, topologyJson: JSON.stringify(rabbitTopology(spec), null, 2) })),
    file('test/messaging/rabbitmq.test.ts', render('clients/test/rabbitmq.test.ts', { ...ctx, queues: viewsOf(ctx, 'queue'), rpcs: viewsOf(ctx, 'rpc') })),
    ...viewsOf(ctx).map((v) => file(`src/examples/${v.id}.ts`, render(`clients/examples/rabbitmq-${v.kind}.ts`, { ...ctx, channel: v }))),
    file('bench/rabbitmq.ts', render('clients/bench/rabbitmq.ts', ctx)),
  ],
  readme: () => render('clients/readme-rabbitmq.md', {}),
  // RPC is request-reply, not a throughput path: not measured.
  bench: (spec, channel) =>
    channel.kind === 'rpc'
      ? undefined
      : { setting: `${channel.semantics === 'at-most-once' ? 'no confirms, transient' : 'publisher confirms, persistent'}, ${queueType(spec, channel)} queue`, system: 'RabbitMQ' },
};
