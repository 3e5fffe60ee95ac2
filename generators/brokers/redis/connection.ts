/** Redis: Pub/Sub and Streams, with ACL users and persistence per role. */
import type { BrokerConnection } from '../types.ts';

export const APP_USER = 'app';
/** Replication, Sentinel, backups and operators. */
export const ADMIN_USER = 'admin';
/** Metrics exporters: read-only introspection (INFO, CONFIG GET, SLOWLOG, XINFO...), no data commands. */
export const MONITOR_USER = 'monitor';

export const redisConnection: BrokerConnection = {
  secrets: () => [
    { env: 'REDIS_PASSWORD', description: `Password of the Redis ACL user "${APP_USER}"` },
    { env: 'REDIS_ADMIN_PASSWORD', description: `Password of the Redis ACL user "${ADMIN_USER}" (replication, Sentinel, backups)` },
    { env: 'REDIS_MONITOR_PASSWORD', description: `Password of the Redis ACL user "${MONITOR_USER}" (the metrics exporter; read-only introspection)` },
  ],
  connection: () => [
    {
      env: 'REDIS_URL',
      description: 'Redis URL of the application user',
      secret: true,
      value: (s) => `redis://${APP_USER}:${s.REDIS_PASSWORD}@127.0.0.1:6379/0`,
    },
  ],
};
