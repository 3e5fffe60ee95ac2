/**
 * Kafka monitoring: the Prometheus JMX exporter java agent inside every broker (rules below,
 * emitted as monitoring/kafka/jmx-exporter.yml) and kafka_exporter for consumer lag (exporter.ts).
 *
 * Consumer lag is not a broker-side metric: committed offsets live in __consumer_offsets and
 * JMX only has `records-lag-max` inside Java consumers; kafka_exporter asks the brokers on every
 * scrape and serves `kafka_consumergroup_lag{consumergroup,topic,partition}`.
 */
import type { StackSpec } from '../../stack/index.ts';
import { scalingOf } from '../../stack/index.ts';
import { bindMount } from '../../emit/compose-model.ts';
import { yamlFile, type GeneratedFile } from '../../emit/files.ts';
import { type K8sObject, restrictedContainer } from '../../emit/k8s-model.ts';
import { MONITORING_PORTS, type AlertRule, type ComposePieces, type ComposeService, type MonitoringPart, type Naming, type Panel, type ScrapeJob } from '../../emit/monitoring-model.ts';
import { render } from '../../emit/render.ts';
import { IMAGES } from '../../versions/images.ts';
import { composeTopology, type Topology } from '../topology.ts';
import { KAFKA_PORTS } from './config.ts';
import { exporterCompose, exporterK8s, KAFKA_EXPORTER, KAFKA_EXPORTER_METRICS } from './exporter.ts';

/** The JMX exporter java agent from Maven Central; its sha256 is checked before Kafka loads it. */
export const JMX_EXPORTER = {
  version: '1.0.1',
  url: 'https://repo1.maven.org/maven2/io/prometheus/jmx/jmx_prometheus_javaagent/1.0.1/jmx_prometheus_javaagent-1.0.1.jar',
  sha256: '7d61f737fd661610ccc14aea79764faa1ea94a340cbc8f0029b3d2edea3d80c1',
  /** Where the jar and rules are mounted in the Kafka containers. */
  dir: '/opt/jmx-exporter',
  jar: 'jmx_prometheus_javaagent.jar',
  config: 'kafka.yml',
} as const;

/** The `-javaagent` flag that loads the exporter (see kafkaServerArgs for where it goes). */
export function jmxAgentFlag(port: number = MONITORING_PORTS.kafkaJmx): string {
  return `-javaagent:${JMX_EXPORTER.dir}/${JMX_EXPORTER.jar}=${port}:${JMX_EXPORTER.dir}/${JMX_EXPORTER.config}`;
}

/**
 * EXTRA_ARGS with the agent: the broker's JVM only. kafka-server-start.sh hands EXTRA_ARGS to
 * kafka-run-class.sh, whose option loop (-name, -loggc, -daemon) stops at the first argument it
 * does not know, so the flag lands among the JVM options before `kafka.Kafka`. KAFKA_OPTS would
 * reach every JVM started in the container (the storage format, the compose healthcheck's
 * kafka-broker-api-versions.sh, kafka-topics.sh run by hand), and each of them fails to bind the
 * agent's port while the broker holds it ("Failed to start Prometheus JMX Exporter", exit 1).
 * `gcLog` keeps the script's default `-loggc` (compose); Kubernetes leaves it out (read-only image).
 */
export function kafkaServerArgs(gcLog: boolean): string {
  return ['-name kafkaServer', ...(gcLog ? ['-loggc'] : []), jmxAgentFlag()].join(' ');
}

const REQUESTS = 'Produce|FetchConsumer|Fetch';

/**
 * The JMX exporter rules: only the beans the alerts and dashboard read, each mapped to a stable
 * name (everything else is dropped, which keeps a broker's scrape small).
 */
export function jmxExporterConfig(): object {
  const gauge = (pattern: string, name: string, labels?: Record<string, string>) => ({ pattern, name, type: 'GAUGE', ...(labels && { labels }) });
  return {
    lowercaseOutputName: true,
    lowercaseOutputLabelNames: true,
    includeObjectNames: [
      'kafka.server:type=ReplicaManager,*',
      'kafka.controller:type=KafkaController,*',
      'kafka.network:type=RequestMetrics,name=TotalTimeMs,*',
      'kafka.server:type=BrokerTopicMetrics,*',
      'java.lang:type=Memory',
    ],
    rules: [
      gauge('kafka.server<type=ReplicaManager, name=(UnderReplicatedPartitions|UnderMinIsrPartitionCount|PartitionCount|LeaderCount|OfflineReplicaCount)><>Value', 'kafka_server_replicamanager_$1'),
      gauge('kafka.controller<type=KafkaController, name=(OfflinePartitionsCount|ActiveControllerCount|ActiveBrokerCount|GlobalPartitionCount)><>Value', 'kafka_controller_kafkacontroller_$1'),
      gauge(`kafka.network<type=RequestMetrics, name=TotalTimeMs, request=(${REQUESTS})><>99thPercentile`, 'kafka_network_requestmetrics_totaltimems', { request: '$1', quantile: '0.99' }),
      gauge(`kafka.network<type=RequestMetrics, name=TotalTimeMs, request=(${REQUESTS})><>50thPercentile`, 'kafka_network_requestmetrics_totaltimems', { request: '$1', quantile: '0.5' }),
      {
        pattern: 'kafka.server<type=BrokerTopicMetrics, name=(MessagesInPerSec|BytesInPerSec|BytesOutPerSec)><>Count',
        name: 'kafka_server_brokertopicmetrics_$1_total',
        type: 'COUNTER',
      },
      gauge('java.lang<type=Memory><HeapMemoryUsage>(used|max)', 'kafka_jvm_heap_$1_bytes'),
    ],
  };
}

/** Kafka broker hosts as the compose network sees them (the compose area's naming). */
function brokerHosts(spec: StackSpec, topology: Topology): string[] {
  const nodes = scalingOf(spec, 'kafka').nodes;
  return Array.from({ length: nodes }, (_, i) => topology.host('kafka', i));
}

function bootstrap(spec: StackSpec, topology: Topology): string {
  return brokerHosts(spec, topology).map((h) => `${h}:${KAFKA_PORTS.internal}`).join(',');
}

function alerts(spec: StackSpec): AlertRule[] {
  const t = spec.monitoring.thresholds;
  const lag = t.kafkaConsumerLag;
  const urp = t.kafkaUnderReplicatedPartitions;
  const p99 = t.kafkaRequestLatencyP99Ms;
  return [
    {
      alert: 'KafkaConsumerLagHigh',
      expr: `sum by (consumergroup, topic) (${KAFKA_EXPORTER_METRICS.lag}) > ${lag}`,
      for: '10m',
      severity: 'warning',
      summary: 'Consumer group {{ $labels.consumergroup }} is more than ' + lag + ' messages behind on {{ $labels.topic }}',
      description:
        'Consumers of group {{ $labels.consumergroup }} are not keeping up with topic {{ $labels.topic }}. ' +
        'Check that its consumers are running and not restarting (kafka-consumer-groups.sh --describe --group {{ $labels.consumergroup }}), ' +
        'add consumers up to the partition count or add partitions, and look for a message that keeps failing (it belongs in {{ $labels.topic }}.dlq).',
      test: {
        firing: [{ series: 'kafka_consumergroup_lag{consumergroup="audit",topic="events",partition="0"}', values: `${lag + 1}x30` }],
        quiet: [{ series: 'kafka_consumergroup_lag{consumergroup="audit",topic="events",partition="0"}', values: `${lag}x30` }],
        labels: { consumergroup: 'audit', topic: 'events' },
        evalTime: '15m',
      },
    },
    {
      alert: 'KafkaUnderReplicatedPartitions',
      expr: `max by (instance) (kafka_server_replicamanager_underreplicatedpartitions) > ${urp}`,
      for: '5m',
      severity: 'critical',
      summary: 'Broker {{ $labels.instance }} leads under-replicated partitions',
      description:
        'Followers are not in sync, so a broker failure could lose acknowledged writes (min.insync.replicas). ' +
        'Check that every broker is up and not restarting, then disk, network and GC pauses on the slow followers; ' +
        'kafka-topics.sh --describe --under-replicated-partitions lists them.',
      test: {
        firing: [{ series: 'kafka_server_replicamanager_underreplicatedpartitions{instance="kafka-1:7071",job="kafka"}', values: `${urp + 1}x20` }],
        quiet: [{ series: 'kafka_server_replicamanager_underreplicatedpartitions{instance="kafka-1:7071",job="kafka"}', values: `${urp}x20` }],
        labels: { instance: 'kafka-1:7071' },
        evalTime: '10m',
      },
    },
    {
      alert: 'KafkaOfflinePartitions',
      expr: 'max(kafka_controller_kafkacontroller_offlinepartitionscount) > 0',
      for: '1m',
      severity: 'critical',
      summary: 'Kafka has partitions without a leader',
      description:
        'Producers and consumers of these partitions are failing now. Bring the brokers holding their replicas back ' +
        '(kafka-topics.sh --describe --unavailable-partitions); never enable unclean leader election unless losing data is acceptable.',
      test: {
        firing: [{ series: 'kafka_controller_kafkacontroller_offlinepartitionscount{instance="kafka-1:7071",job="kafka"}', values: '1x10' }],
        quiet: [{ series: 'kafka_controller_kafkacontroller_offlinepartitionscount{instance="kafka-1:7071",job="kafka"}', values: '0x10' }],
        labels: {},
        evalTime: '5m',
      },
    },
    {
      alert: 'KafkaRequestLatencyHigh',
      expr: `max by (instance, request) (kafka_network_requestmetrics_totaltimems{quantile="0.99"}) > ${p99}`,
      for: '10m',
      severity: 'warning',
      summary: '{{ $labels.request }} p99 latency on {{ $labels.instance }} is above ' + p99 + ' ms',
      description:
        'Requests wait in the broker (queues, disk flushes, replication). Compare with other brokers: one slow broker points at its disk or GC, ' +
        'all of them at load (add brokers and partitions) or at producers with acks=all waiting on slow followers.',
      test: {
        firing: [{ series: 'kafka_network_requestmetrics_totaltimems{instance="kafka-1:7071",job="kafka",request="Produce",quantile="0.99"}', values: `${p99 + 1}x30` }],
        quiet: [{ series: 'kafka_network_requestmetrics_totaltimems{instance="kafka-1:7071",job="kafka",request="Produce",quantile="0.99"}', values: `${p99}x30` }],
        labels: { instance: 'kafka-1:7071', request: 'Produce' },
        evalTime: '15m',
      },
    },
  ];
}

function panels(): Panel[] {
  return [
    {
      title: 'Consumer lag by group and topic',
      description: 'Messages produced but not yet committed by each consumer group (kafka_exporter).',
      unit: 'short',
      queries: [{ expr: 'sum by (consumergroup, topic) (kafka_consumergroup_lag)', legend: '{{consumergroup}} / {{topic}}' }],
    },
    {
      title: 'Under-replicated and offline partitions',
      description: 'Both must stay at 0; anything else means a broker is down or falling behind.',
      unit: 'short',
      queries: [
        { expr: 'sum(kafka_server_replicamanager_underreplicatedpartitions)', legend: 'under-replicated' },
        { expr: 'max(kafka_controller_kafkacontroller_offlinepartitionscount)', legend: 'offline' },
      ],
    },
    {
      title: 'Request latency p99',
      description: 'Total time of produce and fetch requests in the broker, 99th percentile.',
      unit: 'ms',
      queries: [{ expr: 'max by (request) (kafka_network_requestmetrics_totaltimems{quantile="0.99"})', legend: '{{request}}' }],
    },
    {
      title: 'Messages in',
      description: 'Messages per second written to all topics.',
      unit: 'ops',
      queries: [{ expr: 'sum(rate(kafka_server_brokertopicmetrics_messagesinpersec_total[5m]))', legend: 'messages/s' }],
    },
    {
      title: 'Broker heap',
      description: 'JVM heap used per broker against its maximum.',
      unit: 'bytes',
      queries: [
        { expr: 'kafka_jvm_heap_used_bytes', legend: 'used {{instance}}' },
        { expr: 'kafka_jvm_heap_max_bytes', legend: 'max {{instance}}' },
      ],
    },
  ];
}

function jobs(spec: StackSpec, topology: Naming): ScrapeJob[] {
  return [
    {
      job: 'kafka',
      targets: brokerHosts(spec, topology).map((host) => ({ host, port: MONITORING_PORTS.kafkaJmx })),
      k8s: { service: 'kafka', port: 'metrics' },
    },
    {
      job: 'kafka-lag',
      targets: [{ host: topology.service(KAFKA_EXPORTER), port: MONITORING_PORTS.kafkaLag }],
      k8s: { service: KAFKA_EXPORTER, port: 'metrics' },
    },
  ];
}

const JMX_CONFIG = 'monitoring/kafka/jmx-exporter.yml';

/**
 * kafka_exporter and the one-shot that fetches the JMX agent (checked against its sha256) into
 * a volume; every Kafka broker service gets the agent: the volume, the rules file, EXTRA_ARGS.
 */
function compose(spec: StackSpec, brokers: Readonly<Record<string, ComposeService>>): ComposePieces {
  const topology = composeTopology({ kafka: scalingOf(spec, 'kafka').nodes });
  const rules = yamlFile(JMX_CONFIG, jmxExporterConfig());
  const agentDir = JMX_EXPORTER.dir;
  const kafkaServices = brokerHosts(spec, topology).filter((h) => brokers[h] !== undefined);
  const services: Record<string, ComposeService> = {
    // prod: after kafka-init, which grants the monitor user its ACLs.
    [KAFKA_EXPORTER]: exporterCompose(spec, bootstrap(spec, topology).split(','), {
      ...Object.fromEntries(kafkaServices.map((h) => [h, { condition: 'service_healthy' as const }])),
      ...(brokers['kafka-init'] && { 'kafka-init': { condition: 'service_completed_successfully' as const } }),
    }),
    'jmx-exporter-fetch': {
      image: IMAGES.curl,
      restart: 'no',
      user: '0',
      entrypoint: ['sh', '-ec'],
      command: [
        `cd ${agentDir}; ` +
          `if [ -f ${JMX_EXPORTER.jar} ] && echo "${JMX_EXPORTER.sha256}  ${JMX_EXPORTER.jar}" | sha256sum -c -; then exit 0; fi; ` +
          `curl -fsSL -o ${JMX_EXPORTER.jar}.tmp ${JMX_EXPORTER.url}; ` +
          `echo "${JMX_EXPORTER.sha256}  ${JMX_EXPORTER.jar}.tmp" | sha256sum -c -; ` +
          `mv ${JMX_EXPORTER.jar}.tmp ${JMX_EXPORTER.jar}`,
      ],
      volumes: [{ type: 'volume', source: 'jmx-exporter', target: agentDir }],
    },
  };
  const agent = {
    environment: { EXTRA_ARGS: kafkaServerArgs(true) },
    volumes: [
      { type: 'volume' as const, source: 'jmx-exporter', target: agentDir },
      bindMount(rules, `${agentDir}/${JMX_EXPORTER.config}`),
    ],
    depends_on: { 'jmx-exporter-fetch': { condition: 'service_completed_successfully' as const } },
  };
  return {
    services,
    volumes: ['jmx-exporter'],
    files: [],
    notes: [
      `**Kafka metrics**: the JMX exporter agent ${JMX_EXPORTER.version} runs inside each broker (port ${MONITORING_PORTS.kafkaJmx}, rules in \`${JMX_CONFIG}\`); \`jmx-exporter-fetch\` downloads it once from Maven Central and checks its sha256. \`${KAFKA_EXPORTER}\` (kafka_exporter) serves consumer lag on 127.0.0.1:${MONITORING_PORTS.kafkaLag}${spec.profile === 'prod' ? ', logged in as the Kafka user \`monitor\` over SASL_SSL' : ''}.`,
    ],
    extend: Object.fromEntries(kafkaServices.map((h) => [h, agent])),
  };
}

function k8s(spec: StackSpec, namespace: string): K8sObject[] {
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kafka-jmx-exporter', namespace, labels: { 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/part-of': spec.name } }, data: { [JMX_EXPORTER.config]: JSON.stringify(jmxExporterConfig(), null, 2) } },
    ...exporterK8s(spec, namespace, [`kafka.${namespace}.svc:${KAFKA_PORTS.internal}`]),
  ];
}

/**
 * What the Kafka StatefulSet needs for the agent on Kubernetes (the Pulumi program adds it to
 * the broker pods): an init container that fetches the jar (sha256-checked) into an emptyDir,
 * the rules from the `kafka-jmx-exporter` ConfigMap, the broker JVM's EXTRA_ARGS, and a `metrics` port.
 */
export interface KafkaK8sAgent {
  initContainer: Record<string, unknown>;
  volumes: Record<string, unknown>[];
  volumeMounts: Record<string, unknown>[];
  /** EXTRA_ARGS of kafka-server-start.sh: the agent for the broker's JVM only. */
  serverArgs: string;
  port: { name: string; containerPort: number };
}

export function kafkaK8sAgent(): KafkaK8sAgent {
  return {
    initContainer: {
      name: 'jmx-exporter-fetch',
      image: IMAGES.curl,
      command: ['sh', '-ec', `curl -fsSL -o ${JMX_EXPORTER.dir}/${JMX_EXPORTER.jar} ${JMX_EXPORTER.url} && echo "${JMX_EXPORTER.sha256}  ${JMX_EXPORTER.dir}/${JMX_EXPORTER.jar}" | sha256sum -c -`],
      volumeMounts: [{ name: 'jmx-exporter', mountPath: JMX_EXPORTER.dir }],
      securityContext: restrictedContainer(),
      resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
    },
    volumes: [{ name: 'jmx-exporter', emptyDir: {} }, { name: 'jmx-exporter-config', configMap: { name: 'kafka-jmx-exporter' } }],
    volumeMounts: [
      { name: 'jmx-exporter', mountPath: JMX_EXPORTER.dir },
      { name: 'jmx-exporter-config', mountPath: `${JMX_EXPORTER.dir}/${JMX_EXPORTER.config}`, subPath: JMX_EXPORTER.config },
    ],
    serverArgs: kafkaServerArgs(false),
    port: { name: 'metrics', containerPort: MONITORING_PORTS.kafkaJmx },
  };
}

export const kafkaMonitoring: MonitoringPart = {
  broker: 'kafka',
  covers: ['consumer-lag', 'under-replicated-partitions', 'request-latency'],
  composeNodes: (spec) => scalingOf(spec, 'kafka').nodes,
  jobs,
  alerts,
  panels,
  files: () => [
    yamlFile(JMX_CONFIG, jmxExporterConfig(), 'Prometheus JMX exporter rules for the Kafka brokers (loaded by the java agent, see EXTRA_ARGS).\nOnly the beans the alerts and the Kafka dashboard read are exported.'),
  ] satisfies GeneratedFile[],
  compose,
  k8s,
  readme: (spec) => render('monitoring/kafka.md', { jmx: JMX_EXPORTER, jmxPort: MONITORING_PORTS.kafkaJmx, lagPort: MONITORING_PORTS.kafkaLag, image: IMAGES.kafkaExporter, secure: spec.profile === 'prod' }),
};
