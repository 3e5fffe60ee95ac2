/**
 * Redis' certificates (prod): one per data node and per Sentinel. Both kinds are TLS clients too
 * (replicas of their primary, Sentinels of the data nodes, cluster nodes of each other), and Redis
 * asks its clients for a certificate by default (`tls-auth-clients yes`). A minimal start: the
 * Redis part of issue 13 refines it (client certificates for the application, exporter, backups).
 */
import { nodeCertificates, type TlsPart } from '../../emit/tls-model.ts';
import { scalingOf } from '../../stack/index.ts';
import { redisDataNodes, redisNodes } from './config.ts';

export const redisTls: TlsPart = {
  certificates(spec, site) {
    const sentinels = redisNodes(spec).filter((n) => n.kind === 'sentinel').length;
    // In sentinel mode clients ask the Sentinels for the primary; there is no `redis` Service.
    const data = nodeCertificates({ group: 'redis', nodes: redisDataNodes(spec).length, usage: 'both', publishedOnHost: true, services: scalingOf(spec, 'redis').mode === 'sentinel' ? [] : ['redis'] }, site);
    if (sentinels === 0) return data;
    return [...data, ...nodeCertificates({ group: 'redis-sentinel', nodes: sentinels, usage: 'both', publishedOnHost: true, services: ['redis-sentinel'] }, site)];
  },
};
