/**
 * Kafka's certificates (prod): one per KRaft node, presented on every listener and, for mutual
 * TLS between brokers and controllers, as the node's client certificate too; with the combined
 * PEM file Kafka's `ssl.keystore.type=PEM` reads. Its subject is the node's principal on the
 * mutual-TLS listeners (security.ts); clients, exporters and tools authenticate with SCRAM instead.
 */
import { nodeCertificates, type TlsPart } from '../../emit/tls-model.ts';
import { COMPOSE_KAFKA_LAYOUT } from './compose.ts';
import { kafkaNodes } from './config.ts';
import { K8S_KAFKA_LAYOUT } from './k8s.ts';
import { kafkaCertGroup } from './security.ts';

export const kafkaTls: TlsPart = {
  certificates(spec, site) {
    const nodes = kafkaNodes(spec, site.target === 'compose' ? COMPOSE_KAFKA_LAYOUT : K8S_KAFKA_LAYOUT);
    if (nodes.some((n) => n.group !== 'kafka')) throw new Error('kafka tls: only the combined layout is named here; add the controllers group');
    return nodeCertificates(kafkaCertGroup(nodes.length), site);
  },
};
