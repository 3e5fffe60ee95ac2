/**
 * RabbitMQ's part of the typed clients: publisher confirms, manual acks, priorities, RPC over
 * direct reply-to, dead-lettering. The topology the client declares comes from topology.ts, the
 * same builder as the broker's definitions.json.
 */
import { channelsOf, deadLetterExchange, durationMs, scalingOf, type RabbitQueueChannel } from '../../stack/index.ts';
import type { ChannelView, ClientPart, ClientsContext } from '../../emit/clients-model.ts';
import { file } from '../../emit/files.ts';
import { render } from '../../emit/render.ts';
import { priorityLevels, queueType, rabbitTopology } from './topology.ts';
import { rabbitPorts } from './config.ts';
import { rabbitTls, rabbitUsers } from './connection.ts';

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

/**
 * What a node's death did to the generated client on a real cluster from the generated prod files:
 * `npm run test:clusters -- test/clusters/rabbitmq.test.ts` (RabbitMQ 4.0.5 from Debian 13, 3 nodes
 * on one 2-core machine), 5 runs on 2026-12-04. The figures of the files before (a classic priority
 * queue, a client tied to one node) are in the repo's README.
 */
const MEASURED_FAILOVER = {
  broker: 'RabbitMQ 4.0.5',
  total: '10,000',
  rate: 400,
  downSeconds: 20,
  runs: 5,
  rows: [
    { case: "the `tasks` queue's leader (in 4 of the 5 runs also the clients' node)", sent: '10,000', acked: '10,000', lost: 0, rejectedButWritten: 0, duplicates: '0-14', stall: '0.2-0.6 s' },
    { case: "the clients' node (the first of `RABBITMQ_HOSTS`)", sent: '10,000', acked: '10,000', lost: 0, rejectedButWritten: 0, duplicates: '1-25', stall: '0.3-0.6 s' },
  ],
} as const;

export const rabbitmqClient: ClientPart<'rabbitmq'> = {
  dependencies: ['rabbitmq-client'],
  facade: [
    { method: 'enqueueTask', kind: 'queue', extra: ', 5' },
    { method: 'call', kind: 'rpc', extra: '' },
  ],
  descriptor: (spec, channel) => {
    if (channel.kind === 'rpc') {
      return { timeoutMs: durationMs(channel.timeout), prefetch: channel.prefetch };
    }
    const by = routeBy(channel);
    const first = channel.bindings[0];
    const dlx = deadLetterExchange(channel);
    const levels = priorityLevels(spec, channel);
    return {
      exchange: channel.exchange,
      exchangeType: channel.exchangeType,
      routingKey: defaultRoutingKey(channel),
      ...(by !== undefined && { routeBy: by }),
      ...(first?.headers !== undefined && { headers: first.headers }),
      ...(channel.maxPriority !== undefined && { maxPriority: channel.maxPriority }),
      ...(levels?.kind === 'two-level' && { highFrom: levels.highFrom }),
      ...(dlx !== undefined && { deadLetterExchange: dlx }),
      prefetch: channel.prefetch,
    };
  },
  files: (spec, ctx) => [
    file('src/messaging/rabbitmq.ts', render('clients/messaging/rabbitmq.ts', ctx)),
    file('src/messaging/rabbitmq-topology.ts', render('clients/messaging/rabbitmq-topology.ts', { ...ctx, topologyJson: JSON.stringify(rabbitTopology(spec), null, 2) })),
    file(
      'test/messaging/rabbitmq.test.ts',
      render('clients/test/rabbitmq.test.ts', {
        ...ctx,
        queues: viewsOf(ctx, 'queue').map((v) => ({ ...v, priorities: v.channel.broker === 'rabbitmq' ? priorityLevels(spec, v.channel) : undefined })),
        rpcs: viewsOf(ctx, 'rpc'),
      }),
    ),
    ...viewsOf(ctx).map((v) => file(`src/examples/${v.id}.ts`, render(`clients/examples/rabbitmq-${v.kind}.ts`, { ...ctx, channel: v }))),
    file('bench/rabbitmq.ts', render('clients/bench/rabbitmq.ts', ctx)),
  ],
  readme: (spec) => {
    const levels = channelsOf(spec, 'rabbitmq').flatMap((c) => {
      const l = priorityLevels(spec, c);
      return l ? [{ name: c.name, ...l }] : [];
    });
    const nodes = scalingOf(spec, 'rabbitmq').nodes;
    const members = Math.min(nodes, 3);
    return render('clients/readme-rabbitmq.md', {
      strict: levels.filter((l) => l.kind === 'strict'),
      twoLevel: levels.flatMap((l) => (l.kind === 'two-level' ? [{ ...l, lowTop: l.highFrom - 1 }] : [])),
      cluster: nodes > 1 && queueType(spec) === 'quorum' ? { nodes, members, majority: Math.floor(members / 2) + 1, measured: MEASURED_FAILOVER } : false,
      security: {
        tls: rabbitTls(spec),
        amqps: rabbitPorts(spec).amqp,
        https: rabbitPorts(spec).management,
        metrics: rabbitPorts(spec).prometheus,
        users: rabbitUsers(spec).map((u) => ({
          name: u.name,
          passwordEnv: u.passwordEnv,
          tags: u.tags.length > 0 ? u.tags.join(', ') : '(none)',
          configure: u.permissions?.configure ?? '(no access to the vhost)',
          write: u.permissions?.write ?? '(none)',
          read: u.permissions?.read ?? '(none)',
          purpose: u.purpose,
        })),
      },
    });
  },
  // RPC is request-reply, not a throughput path: not measured.
  bench: (spec, channel) =>
    channel.kind === 'rpc'
      ? undefined
      : { setting: `${channel.semantics === 'at-most-once' ? 'no confirms, transient' : 'publisher confirms, persistent'}, ${queueType(spec)} queue`, system: 'RabbitMQ' },
};
