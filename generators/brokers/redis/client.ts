/** Redis's part of the typed clients: pub/sub (at-most-once) and streams with consumer groups (at-least-once). */
import type { ChannelView, ClientPart, ClientsContext } from '../../emit/clients-model.ts';
import { file } from '../../emit/files.ts';
import { render } from '../../emit/render.ts';
import { scalingOf } from '../../stack/index.ts';
import { SENTINEL_TIMINGS } from './config.ts';
import { redisTls } from './connection.ts';

/** What each ACL user may do, in words, for the README (the rules: config.ts). */
const CAN: Readonly<Record<string, string>> = {
  app: 'data commands, streams, pub/sub, discovery through the Sentinels; no administration, `CONFIG`, scripting (`FUNCTION`, `SCRIPT`, `EVAL`), `KEYS`, `FLUSHALL`',
  monitor: '`INFO`, `SLOWLOG`, `LATENCY`, `SCAN`/`TYPE`/`XINFO`/`XLEN` (metadata, no values), `PING`; the exporter runs without `CONFIG`',
  replica: '`PSYNC`, `REPLCONF`, `PING`',
  sentinel: '`INFO`, `ROLE`, hello messages on `__sentinel__:*`, and at a failover `REPLICAOF`, `CONFIG REWRITE`, `CLIENT KILL` (in `MULTI`/`EXEC`)',
  backup: '`SYNC`/`PSYNC`/`REPLCONF` (an RDB snapshot), `SENTINEL REPLICAS`',
  admin: 'everything: operators and the cluster set-up only',
};
const USERS = [
  { name: 'app', purpose: 'the application (`REDIS_PASSWORD`)' },
  { name: 'monitor', purpose: 'redis_exporter and the healthchecks (`REDIS_MONITOR_PASSWORD`)' },
  { name: 'replica', purpose: 'replicas of the primary (`REDIS_REPLICA_PASSWORD`)' },
  { name: 'sentinel', purpose: 'the Sentinels (`REDIS_SENTINEL_PASSWORD`)' },
  { name: 'backup', purpose: 'the backup job (`REDIS_BACKUP_PASSWORD`)' },
  { name: 'admin', purpose: 'operators (`REDIS_ADMIN_PASSWORD`)' },
].map((u) => ({ ...u, can: CAN[u.name] ?? '' }));

/** This broker's channel views, optionally of one kind. */
function viewsOf(ctx: ClientsContext, kind?: ChannelView['kind']): ChannelView[] {
  return ctx.channels.filter((v) => v.broker === 'redis' && (kind === undefined || v.kind === kind));
}

export const redisClient: ClientPart<'redis'> = {
  dependencies: ['redis'],
  facade: [
    { method: 'notifyRealtime', kind: 'pubsub', extra: '' },
    { method: 'appendToStream', kind: 'stream', extra: '' },
  ],
  descriptor: (_spec, channel) =>
    channel.kind === 'stream' ? { consumerGroups: channel.consumerGroups, maxLen: channel.maxLen, maxDeliveries: channel.maxDeliveries } : {},
  files: (_spec, ctx) => [
    file('src/messaging/redis.ts', render('clients/messaging/redis.ts', ctx)),
    file('test/messaging/redis.test.ts', render('clients/test/redis.test.ts', { ...ctx, pubsub: viewsOf(ctx, 'pubsub'), streams: viewsOf(ctx, 'stream') })),
    ...viewsOf(ctx).map((v) => file(`src/examples/${v.id}.ts`, render(`clients/examples/redis-${v.kind}.ts`, { ...ctx, channel: v }))),
    file('bench/redis.ts', render('clients/bench/redis.ts', ctx)),
  ],
  readme: (spec) => {
    const s = scalingOf(spec, 'redis');
    return render('clients/readme-redis.md', { sentinel: s.mode === 'sentinel', cluster: s.mode === 'cluster', replicas: s.replicas, sentinels: s.sentinels, downAfterS: SENTINEL_TIMINGS.downAfterMs / 1000, prod: redisTls(spec), users: USERS });
  },
  bench: (_spec, channel) => (channel.kind === 'stream' ? { setting: 'streams, XACK', system: 'Redis Streams' } : { setting: 'pub/sub', system: 'Redis Pub/Sub' }),
};
