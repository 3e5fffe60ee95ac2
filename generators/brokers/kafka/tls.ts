/**
 * Kafka's certificates (prod): one per KRaft node, presented on every listener and, for mutual
 * TLS between brokers and controllers, as the node's client certificate too; with the combined
 * PEM file Kafka's `ssl.keystore.type=PEM` reads. A minimal start: the Kafka part of issue 13
 * refines it (principals, client certificates for tools, exporters and MirrorMaker 2).
 */
import { nodeCertificates, type TlsPart } from '../../emit/tls-model.ts';
import { COMPOSE_KAFKA_LAYOUT } from './compose.ts';
import { kafkaNodes } from './config.ts';
import { K8S_KAFKA_LAYOUT } from './k8s.ts';

export const kafkaTls: TlsPart = {
  certificates(spec, site) {
    const nodes = kafkaNodes(spec, site.target === 'compose' ? COMPOSE_KAFKA_LAYOUT : K8S_KAFKA_LAYOUT);
    if (nodes.some((n) => n.group !== 'kafka')) throw new Error('kafka tls: only the combined layout is named here; add the controllers group');
    return nodeCertificates({ group: 'kafka', nodes: nodes.length, usage: 'both', publishedOnHost: true, services: ['kafka'], combinedPem: true }, site);
  },
};
