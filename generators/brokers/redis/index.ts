/** Redis: Pub/Sub and Streams, with ACL users and persistence per role: its part of every area. */
import type { BrokerPlugin } from '../plugin.ts';
import { redisAsyncApi } from './asyncapi.ts';
import { redisBackup } from './backup.ts';
import { redisClient } from './client.ts';
import { redisCompose } from './compose.ts';
import { redisConnection } from './connection.ts';
import { redisK8s } from './k8s.ts';
import { redisMonitoring } from './monitoring.ts';
import { redisTls } from './tls.ts';

export const redis: BrokerPlugin<'redis'> = {
  id: 'redis',
  names: { short: 'Redis', className: 'Redis', constName: 'REDIS', endpointDoc: 'Redis: the Sentinels in sentinel mode, else the data nodes.' },
  connection: redisConnection,
  compose: redisCompose,
  k8s: redisK8s,
  client: redisClient,
  monitoring: redisMonitoring,
  backup: redisBackup,
  tls: redisTls,
  asyncapi: redisAsyncApi,
};
