/**
 * Kafka in the AsyncAPI contract: the server (first node's published port; prod: TLS with SASL
 * SCRAM), each topic's binding (partitions, replicas, retention, cleanup policy), the record key
 * and one receive operation per consumer group; and the way back for `brokerplate --from`.
 */
import { KAFKA_BINDING_VERSION, MappingError, durationText, objectAt, type AsyncApiPart, type JsonObject } from '../../emit/asyncapi-model.ts';
import { kafkaDefaults } from '../../stack/defaults.ts';
import { retentionMs, scalingOf, topicPartitions, topicReplication } from '../../stack/index.ts';
import { kafkaHostPort } from './connection.ts';

/** The prod profile's client authentication: SASL SCRAM-SHA-512 over TLS. */
const SCRAM = {
  name: 'kafkaScram',
  scheme: { type: 'scramSha512', description: 'prod profile: SASL/SCRAM-SHA-512 over TLS (the CA is the stack\'s own: secrets/tls/ under compose, cert-manager in Kubernetes); user and password from the environment, never in this file.' },
};

/** A group id a receive operation's binding fixes: `groupId: { const }` or `{ enum: [one] }`. */
function fixedGroup(binding: JsonObject | undefined): string | undefined {
  const schema = objectAt(binding?.groupId);
  if (typeof schema?.const === 'string') return schema.const;
  const values = schema?.enum;
  return Array.isArray(values) && values.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
}

export const kafkaAsyncApi: AsyncApiPart<'kafka'> = {
  protocols: ['kafka', 'kafka-secure'],
  server: (spec) => {
    const nodes = Array.from({ length: scalingOf(spec, 'kafka').nodes }, (_, i) => `127.0.0.1:${kafkaHostPort(i)}`);
    const prod = spec.profile === 'prod';
    return {
      protocol: prod ? 'kafka-secure' : 'kafka',
      host: nodes[0] ?? '',
      description: `Kafka (${spec.profile}): bootstrap servers ${nodes.join(', ')} as published by docker compose on the host (KAFKA_BROKERS); in Kubernetes, the component's endpoint output.`,
      security: prod ? [SCRAM] : [],
    };
  },
  channel: (spec, topic) => ({
    bindings: {
      kafka: {
        topic: topic.name,
        partitions: topicPartitions(spec, topic),
        replicas: topicReplication(spec, topic),
        topicConfiguration: { 'cleanup.policy': [topic.cleanupPolicy], 'retention.ms': retentionMs(topic) },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
    ...(topic.key !== undefined && {
      messageBindings: { kafka: { key: { type: 'string', description: `The value of the payload field ${topic.key}, as text.` }, 'x-key-field': topic.key, bindingVersion: KAFKA_BINDING_VERSION } },
    }),
    extension: {},
    consumers: topic.consumerGroups.map((group) => ({
      suffix: group,
      summary: `Consumer group ${group} reads the topic (commits after processing; failures go to the dead-letter topic).`,
      bindings: { kafka: { groupId: { type: 'string', enum: [group] }, bindingVersion: KAFKA_BINDING_VERSION } },
    })),
  }),
  read: (input) => {
    const b = input.binding ?? {};
    const path = `${input.path}.bindings.kafka`;
    const defaults = kafkaDefaults()[input.profile];
    if (b.topic !== undefined && b.topic !== input.address) throw new MappingError(`${path}.topic`, `names topic ${JSON.stringify(b.topic)} but the channel's address is ${JSON.stringify(input.address)}; brokerplate names a topic once`);
    const config = objectAt(b.topicConfiguration) ?? {};
    const policy = config['cleanup.policy'];
    if (policy !== undefined && (!Array.isArray(policy) || policy.length !== 1)) throw new MappingError(`${path}.topicConfiguration.cleanup.policy`, 'must be one policy (delete or compact); brokerplate does not generate compact,delete topics');
    const retention = config['retention.ms'];
    if (retention !== undefined && (typeof retention !== 'number' || !Number.isInteger(retention) || retention === 0 || retention < -1)) throw new MappingError(`${path}.topicConfiguration.retention.ms`, 'must be a positive number of milliseconds or -1 (forever)');
    const unsupported = Object.keys(config).filter((k) => k !== 'cleanup.policy' && k !== 'retention.ms');
    if (unsupported.length > 0) throw new MappingError(`${path}.topicConfiguration.${unsupported[0]}`, 'is not a topic setting brokerplate generates (it carries cleanup.policy and retention.ms)');
    const groups = input.receivers.map((r) => fixedGroup(objectAt(r.bindings?.kafka)) ?? r.id);
    const keyField = input.messageBinding?.['x-key-field'];
    return {
      kind: 'topic',
      ...(typeof b.partitions === 'number' && b.partitions !== defaults.partitions && { partitions: b.partitions }),
      ...(typeof b.replicas === 'number' && b.replicas !== defaults.replicationFactor && { replicationFactor: b.replicas }),
      retention: typeof retention === 'number' ? (retention === -1 ? 'forever' : durationText(retention)) : '7d',
      cleanupPolicy: Array.isArray(policy) ? policy[0] : 'delete',
      ...(typeof keyField === 'string' && { key: keyField }),
      consumerGroups: [...new Set(groups)],
    };
  },
};
