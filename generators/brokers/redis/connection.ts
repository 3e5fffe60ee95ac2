/** Redis: the users, their secrets, and how clients reach the nodes (ports, the Sentinels' master name). */
import { scalingOf, type StackSpec } from '../../stack/index.ts';
import { composeTopology } from '../topology.ts';
import type { BrokerConnection, ConnectionVar } from '../types.ts';

export const APP_USER = 'app';
/** Replication, Sentinel, backups and operators. */
export const ADMIN_USER = 'admin';
/** Metrics exporters: read-only introspection (INFO, CONFIG GET, SLOWLOG, XINFO...), no data commands. */
export const MONITOR_USER = 'monitor';

export const REDIS_PORTS = { redis: 6379, sentinel: 26379 } as const;

/** The name Sentinel monitors the primary under (clients ask Sentinel for it). */
export const SENTINEL_MASTER = 'main';

/** Compose host ports on 127.0.0.1: data nodes 6379, 6380, ...; Sentinels 26379, 26380, ... */
export function redisHostPort(group: 'redis' | 'redis-sentinel', ordinal: number): number {
  return (group === 'redis' ? REDIS_PORTS.redis : REDIS_PORTS.sentinel) + ordinal;
}

/** True when the stack runs Redis with Sentinels in its active profile. */
function sentinelMode(spec: StackSpec): boolean {
  return spec.brokers.redis !== undefined && scalingOf(spec, 'redis').mode === 'sentinel';
}

/**
 * Sentinel mode from the host: the Sentinels' published ports, and the names the Sentinels announce
 * (compose service names, which resolve only inside the compose network) mapped to published ports.
 * The variables exist in every profile (empty without Sentinels), so switching profiles rewrites
 * them instead of leaving a stale REDIS_SENTINELS behind.
 */
function sentinelVars(spec: StackSpec): ConnectionVar[] {
  const on = sentinelMode(spec);
  const s = on ? scalingOf(spec, 'redis') : undefined;
  const data = 1 + (s?.replicas ?? 0);
  const count = s?.sentinels ?? 0;
  const topology = composeTopology({ redis: data, 'redis-sentinel': count });
  const sentinels = Array.from({ length: count }, (_, i) => `127.0.0.1:${redisHostPort('redis-sentinel', i)}`);
  const map = [
    ...Array.from({ length: on ? data : 0 }, (_, i) => `${topology.host('redis', i)}:${REDIS_PORTS.redis}=127.0.0.1:${redisHostPort('redis', i)}`),
    ...Array.from({ length: count }, (_, i) => `${topology.host('redis-sentinel', i)}:${REDIS_PORTS.sentinel}=127.0.0.1:${redisHostPort('redis-sentinel', i)}`),
  ];
  return [
    { env: 'REDIS_SENTINELS', description: 'The Sentinels (host:port, comma-separated): the client asks them for the primary and follows failovers (empty: one node, REDIS_URL)', secret: false, value: () => sentinels.join(',') },
    { env: 'REDIS_SENTINEL_MASTER', description: 'The name the Sentinels monitor the primary under', secret: false, value: () => (on ? SENTINEL_MASTER : '') },
    {
      env: 'REDIS_NODE_MAP',
      description: 'Only outside the compose network: the addresses the Sentinels announce (name:port=host:port, comma-separated) mapped to the published ports',
      secret: false,
      value: () => map.join(','),
    },
  ];
}

export const redisConnection: BrokerConnection = {
  secrets: () => [
    { env: 'REDIS_PASSWORD', description: `Password of the Redis ACL user "${APP_USER}"` },
    { env: 'REDIS_ADMIN_PASSWORD', description: `Password of the Redis ACL user "${ADMIN_USER}" (replication, Sentinel, backups)` },
    { env: 'REDIS_MONITOR_PASSWORD', description: `Password of the Redis ACL user "${MONITOR_USER}" (the metrics exporter; read-only introspection)` },
  ],
  connection: (spec) => [
    {
      env: 'REDIS_URL',
      description: sentinelMode(spec) ? 'Redis URL of the application user on the first primary (redis-cli; it does not follow a failover: clients use REDIS_SENTINELS)' : 'Redis URL of the application user',
      secret: true,
      value: (s) => `redis://${APP_USER}:${s.REDIS_PASSWORD}@127.0.0.1:${REDIS_PORTS.redis}/0`,
    },
    ...sentinelVars(spec),
  ],
};
