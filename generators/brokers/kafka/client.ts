/** Kafka's part of the typed clients: producers with acks per semantics, consumer groups, exactly-once helpers. */
import { retentionMs, scalingOf, topicPartitions, topicReplication } from '../../stack/index.ts';
import type { ChannelView, ClientPart, ClientsContext } from '../../emit/clients-model.ts';
import { file } from '../../emit/files.ts';
import { render } from '../../emit/render.ts';
import { CA_FILES, tlsSecretName } from '../../emit/tls-model.ts';
import { kafkaAcls } from './acl.ts';
import { KAFKA_PRINCIPALS, kafkaSecure, passwordFileName, SCRAM_MECHANISM } from './security.ts';

/** This broker's channel views, optionally of one kind. */
function viewsOf(ctx: ClientsContext, kind?: ChannelView['kind']): ChannelView[] {
  return ctx.channels.filter((v) => v.broker === 'kafka' && (kind === undefined || v.kind === kind));
}

/** What each delivery semantics means for the producer (kafka.ts). */
const SETTING = { 'at-most-once': 'acks=1', 'at-least-once': 'acks=all, idempotent', 'exactly-once': 'transactional, acks=all' } as const;

export const kafkaClient: ClientPart<'kafka'> = {
  dependencies: ['@platformatic/kafka'],
  facade: [{ method: 'logEvent', kind: 'topic', extra: '' }],
  descriptor: (spec, topic) => ({
    partitions: topicPartitions(spec, topic),
    replicationFactor: topicReplication(spec, topic),
    retentionMs: retentionMs(topic),
    cleanupPolicy: topic.cleanupPolicy,
    ...(topic.key !== undefined && { key: topic.key }),
    consumerGroups: topic.consumerGroups,
  }),
  files: (_spec, ctx) => [
    file('src/messaging/kafka.ts', render('clients/messaging/kafka.ts', ctx)),
    file('src/messaging/kafka-producer.ts', render('clients/messaging/kafka-producer.ts', ctx)),
    file('test/messaging/kafka.test.ts', render('clients/test/kafka.test.ts', { ...ctx, topics: viewsOf(ctx, 'topic') })),
    ...viewsOf(ctx).map((v) => file(`src/examples/${v.id}.ts`, render('clients/examples/kafka-topic.ts', { ...ctx, channel: v }))),
    file('bench/kafka.ts', render('clients/bench/kafka.ts', ctx)),
  ],
  readme: (spec) => {
    const k = scalingOf(spec, 'kafka');
    // The failover section describes (and was measured on) a replicated cluster that survives one node.
    const cluster = k.nodes >= 3 && k.replicationFactor >= 3 && k.minInsyncReplicas >= 2;
    const security = kafkaSecure(spec) && {
      mechanism: SCRAM_MECHANISM,
      caFile: CA_FILES.cert,
      caSecret: tlsSecretName('kafka'),
      users: Object.values(KAFKA_PRINCIPALS).map((p) => ({
        user: p.user,
        env: p.env,
        file: passwordFileName(p),
        grants: kafkaAcls(spec).filter((g) => KAFKA_PRINCIPALS[g.principal].user === p.user).map((g) => ({ operations: g.operations.join(', '), type: g.type, pattern: g.pattern, names: g.names })),
      })),
    };
    return render('clients/readme-kafka.md', { cluster, nodes: k.nodes, replication: k.replicationFactor, minIsr: k.minInsyncReplicas, security });
  },
  bench: (_spec, topic) => ({ setting: SETTING[topic.semantics], system: 'Kafka' }),
};
