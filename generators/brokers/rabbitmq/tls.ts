/**
 * RabbitMQ's certificates (prod): one per node, for AMQPS and the management API over HTTPS. A
 * minimal start: the RabbitMQ part of issue 13 refines it (e.g. inter-node TLS for Erlang
 * distribution, which would make these client certificates too).
 */
import { nodeCertificates, type TlsPart } from '../../emit/tls-model.ts';
import { rabbitNodeCount } from './config.ts';

export const rabbitmqTls: TlsPart = {
  certificates(spec, site) {
    return nodeCertificates({ group: 'rabbitmq', nodes: rabbitNodeCount(spec), usage: 'server', publishedOnHost: true, services: ['rabbitmq'] }, site);
  },
};
