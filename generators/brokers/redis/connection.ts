/** Redis: the users, their secrets, and how clients reach the nodes (ports, the Sentinels' master name). */
import { scalingOf, type StackSpec } from '../../stack/index.ts';
import { CA_FILES } from '../../emit/tls-model.ts';
import { composeTopology } from '../topology.ts';
import type { BrokerConnection, ConnectionVar } from '../types.ts';

export const APP_USER = 'app';
/** Replication, Sentinel, backups and operators. */
export const ADMIN_USER = 'admin';
/** Metrics exporters and healthchecks: read-only introspection (INFO, SLOWLOG, XINFO...), no data commands, no CONFIG. */
export const MONITOR_USER = 'monitor';
/** Replicas of their primary: PSYNC, REPLCONF and PING only. */
export const REPLICA_USER = 'replica';
/** Sentinels: what they send to data nodes (INFO, REPLICAOF, CONFIG REWRITE, ...) and to each other. */
export const SENTINEL_USER = 'sentinel';
/** The backup job: an RDB snapshot over the replication protocol, and which replica to read from the Sentinels. */
export const BACKUP_USER = 'backup';

/** The password variable of each principal (.env, compose secrets, the Kubernetes Secret's keys). */
export const PASSWORD_ENV = {
  [APP_USER]: 'REDIS_PASSWORD',
  [ADMIN_USER]: 'REDIS_ADMIN_PASSWORD',
  [MONITOR_USER]: 'REDIS_MONITOR_PASSWORD',
  [REPLICA_USER]: 'REDIS_REPLICA_PASSWORD',
  [SENTINEL_USER]: 'REDIS_SENTINEL_PASSWORD',
  [BACKUP_USER]: 'REDIS_BACKUP_PASSWORD',
} as const;

/** The generated CA, relative to the project (prod, compose): host clients verify the nodes with it. */
export const CLIENT_CA_FILE = CA_FILES.cert;

/** prod: every Redis and Sentinel port speaks TLS only (dev: plaintext on loopback). */
export function redisTls(spec: StackSpec): boolean {
  return spec.profile === 'prod';
}

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
    { env: PASSWORD_ENV[APP_USER], description: `Password of the Redis ACL user "${APP_USER}"` },
    { env: PASSWORD_ENV[ADMIN_USER], description: `Password of the Redis ACL user "${ADMIN_USER}" (operators, cluster set-up)` },
    { env: PASSWORD_ENV[MONITOR_USER], description: `Password of the Redis ACL user "${MONITOR_USER}" (the metrics exporter and healthchecks; read-only introspection)` },
    { env: PASSWORD_ENV[REPLICA_USER], description: `Password of the Redis ACL user "${REPLICA_USER}" (replicas of their primary)` },
    { env: PASSWORD_ENV[SENTINEL_USER], description: `Password of the Redis ACL user "${SENTINEL_USER}" (Sentinels)` },
    { env: PASSWORD_ENV[BACKUP_USER], description: `Password of the Redis ACL user "${BACKUP_USER}" (the backup job)` },
  ],
  connection: (spec) => [
    {
      env: 'REDIS_URL',
      description: sentinelMode(spec) ? 'Redis URL of the application user on the first primary (redis-cli; it does not follow a failover: clients use REDIS_SENTINELS)' : 'Redis URL of the application user',
      secret: true,
      value: (s) => `${redisTls(spec) ? 'rediss' : 'redis'}://${APP_USER}:${s.REDIS_PASSWORD}@127.0.0.1:${REDIS_PORTS.redis}/0`,
    },
    {
      env: 'REDIS_CA_FILE',
      description: 'prod: the CA that signed the Redis and Sentinel certificates (the client speaks TLS and verifies host names with it); empty: plaintext (dev)',
      secret: false,
      value: () => (redisTls(spec) ? CLIENT_CA_FILE : ''),
    },
    ...sentinelVars(spec),
  ],
};
