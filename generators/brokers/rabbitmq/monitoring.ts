/**
 * RabbitMQ monitoring: the built-in rabbitmq_prometheus plugin, no exporter to run. Two jobs
 * scrape it: `/metrics` (node totals: connections, memory, global message counters) and
 * `/metrics/detailed` for the stack's vhost (per-queue depth and unacked messages). The
 * aggregated endpoint is kept as it is (no per-object switch), so the two never overlap.
 */
import { channelsOf, deadLetterName, scalingOf, settingsOf, type StackSpec } from '../../stack/index.ts';
import { type K8sObject } from '../../emit/k8s-model.ts';
import { type AlertRule, type ComposePieces, type MonitoringPart, type Naming, type Panel, type ScrapeJob, type ScrapeLogin } from '../../emit/monitoring-model.ts';
import { composeSecret } from '../../emit/compose-model.ts';
import { render } from '../../emit/render.ts';
import type { Topology } from '../topology.ts';
import { promqlString } from '../../emit/escape.ts';
import { CA_FILES, tlsSecretName } from '../../emit/tls-model.ts';
import { rabbitPorts } from './config.ts';
import { MONITOR_USER, rabbitTls, rabbitUsers } from './connection.ts';

/** Per-queue families from `/metrics/detailed`: depth, unacked and consumers per queue. */
export const DETAILED_FAMILIES = ['queue_coarse_metrics', 'queue_consumer_count'] as const;

function hosts(spec: StackSpec, topology: Topology): string[] {
  return Array.from({ length: scalingOf(spec, 'rabbitmq').nodes }, (_, i) => topology.host('rabbitmq', i));
}

/** prod: the plugin asks every scrape for a user tagged monitoring (prometheus.authentication.enabled): `monitor`. */
function metricsLogin(spec: StackSpec): ScrapeLogin | undefined {
  const monitor = rabbitTls(spec) ? rabbitUsers(spec).find((u) => u.name === MONITOR_USER) : undefined;
  return monitor && { user: monitor.name, env: monitor.passwordEnv };
}

function jobs(spec: StackSpec, topology: Naming): ScrapeJob[] {
  const targets = hosts(spec, topology).map((host) => ({ host, port: rabbitPorts(spec).prometheus }));
  // prod: HTTPS with that login.
  const login = metricsLogin(spec);
  const tls = login ? { tls: { caSecret: tlsSecretName('rabbitmq') }, login } : {};
  return [
    { job: 'rabbitmq', targets, ...tls, k8s: { service: 'rabbitmq', port: 'prometheus' } },
    {
      job: 'rabbitmq-queues',
      path: '/metrics/detailed',
      params: { vhost: [settingsOf(spec, 'rabbitmq').vhost], family: [...DETAILED_FAMILIES] },
      targets,
      ...tls,
      k8s: { service: 'rabbitmq', port: 'prometheus' },
    },
  ];
}

/** Queue names of the stack (with dead-letter queues), for the README and dashboard help. */
export function monitoredQueues(spec: StackSpec): string[] {
  return channelsOf(spec, 'rabbitmq').flatMap((c) => (c.kind === 'queue' ? [c.name, deadLetterName(c)].filter((n): n is string => !!n) : [c.name]));
}

function alerts(spec: StackSpec): AlertRule[] {
  const t = spec.monitoring.thresholds;
  const vhost = settingsOf(spec, 'rabbitmq').vhost;
  const queue = (metric: string, v: string) => ({ series: `${metric}{instance="rabbitmq:15692",job="rabbitmq-queues",vhost=${promqlString(vhost)},queue="tasks"}`, values: v });
  const node = (metric: string, v: string) => ({ series: `${metric}{instance="rabbitmq:15692",job="rabbitmq"}`, values: v });
  const memLimit = 1_000_000_000;
  const memAt = Math.round(memLimit * t.rabbitmqMemoryRatio);
  return [
    {
      alert: 'RabbitmqQueueDepthHigh',
      expr: `sum by (vhost, queue) (rabbitmq_detailed_queue_messages_ready) > ${t.rabbitmqQueueDepth}`,
      for: '10m',
      severity: 'warning',
      summary: `Queue {{ $labels.queue }} has more than ${t.rabbitmqQueueDepth} messages waiting`,
      description:
        'Messages arrive faster than consumers take them. Check the queue has consumers (rabbitmqctl list_queues name messages consumers), ' +
        'add consumers or raise their prefetch if they are idle waiting on acks, and check the dead-letter queue for messages that keep failing. ' +
        'A deep queue also costs broker memory.',
      test: {
        firing: [queue('rabbitmq_detailed_queue_messages_ready', `${t.rabbitmqQueueDepth + 1}x30`)],
        quiet: [queue('rabbitmq_detailed_queue_messages_ready', `${t.rabbitmqQueueDepth}x30`)],
        labels: { vhost, queue: 'tasks' },
        evalTime: '15m',
      },
    },
    {
      alert: 'RabbitmqUnackedMessagesHigh',
      expr: `sum by (vhost, queue) (rabbitmq_detailed_queue_messages_unacked) > ${t.rabbitmqUnackedMessages}`,
      for: '10m',
      severity: 'warning',
      summary: `Queue {{ $labels.queue }} has more than ${t.rabbitmqUnackedMessages} unacknowledged deliveries`,
      description:
        'Consumers hold messages without acknowledging them: slow or stuck handlers, or a prefetch far larger than the work in flight. ' +
        'Look at the consumers of {{ $labels.queue }}, lower their prefetch, and make sure every code path acks or nacks.',
      test: {
        firing: [queue('rabbitmq_detailed_queue_messages_unacked', `${t.rabbitmqUnackedMessages + 1}x30`)],
        quiet: [queue('rabbitmq_detailed_queue_messages_unacked', `${t.rabbitmqUnackedMessages}x30`)],
        labels: { vhost, queue: 'tasks' },
        evalTime: '15m',
      },
    },
    {
      alert: 'RabbitmqMessagesNotDelivered',
      expr: 'sum(rate(rabbitmq_global_messages_received_total[5m])) > 0 and sum(rate(rabbitmq_global_messages_delivered_total[5m])) == 0',
      for: '10m',
      severity: 'warning',
      summary: 'RabbitMQ receives messages but delivers none',
      description:
        'Publishers are active while no consumer receives anything: consumers are down, blocked, or connected to the wrong vhost or queue. ' +
        'Check the consumer applications and rabbitmqctl list_consumers.',
      test: {
        firing: [node('rabbitmq_global_messages_received_total', '0+60x30'), node('rabbitmq_global_messages_delivered_total', '0x30')],
        quiet: [node('rabbitmq_global_messages_received_total', '0+60x30'), node('rabbitmq_global_messages_delivered_total', '0+60x30')],
        labels: {},
        evalTime: '20m',
      },
    },
    {
      alert: 'RabbitmqConnectionsHigh',
      expr: `sum by (instance) (rabbitmq_connections) > ${t.rabbitmqConnections}`,
      for: '5m',
      severity: 'warning',
      summary: `{{ $labels.instance }} has more than ${t.rabbitmqConnections} client connections`,
      description:
        'Usually a connection leak: an application opening a connection per message or per request instead of one long-lived connection with channels. ' +
        'Find the source with rabbitmqctl list_connections client_properties peer_host and fix the client.',
      test: {
        firing: [node('rabbitmq_connections', `${t.rabbitmqConnections + 1}x20`)],
        quiet: [node('rabbitmq_connections', `${t.rabbitmqConnections}x20`)],
        labels: { instance: 'rabbitmq:15692' },
        evalTime: '10m',
      },
    },
    {
      alert: 'RabbitmqMemoryHigh',
      expr: `rabbitmq_process_resident_memory_bytes / rabbitmq_resident_memory_limit_bytes > ${t.rabbitmqMemoryRatio}`,
      for: '5m',
      severity: 'critical',
      summary: `{{ $labels.instance }} uses more than ${Math.round(t.rabbitmqMemoryRatio * 100)}% of its memory high watermark`,
      description:
        'At the watermark RabbitMQ blocks every publisher. Drain deep queues (more consumers), use quorum or lazy-style queues for backlogs, ' +
        'and give the node more memory (raise the container limit; the watermark follows it).',
      test: {
        firing: [node('rabbitmq_process_resident_memory_bytes', `${memAt + 1_000_000}x20`), node('rabbitmq_resident_memory_limit_bytes', `${memLimit}x20`)],
        quiet: [node('rabbitmq_process_resident_memory_bytes', `${Math.max(0, memAt - 1_000_000)}x20`), node('rabbitmq_resident_memory_limit_bytes', `${memLimit}x20`)],
        labels: { instance: 'rabbitmq:15692', job: 'rabbitmq' },
        evalTime: '10m',
      },
    },
  ];
}

function panels(spec: StackSpec): Panel[] {
  const vhost = settingsOf(spec, 'rabbitmq').vhost;
  return [
    {
      title: 'Queue depth (ready)',
      description: `Messages waiting in each queue of vhost "${vhost}".`,
      unit: 'short',
      queries: [{ expr: 'sum by (queue) (rabbitmq_detailed_queue_messages_ready)', legend: '{{queue}}' }],
    },
    {
      title: 'Unacknowledged messages',
      description: 'Delivered to consumers, not yet acknowledged.',
      unit: 'short',
      queries: [{ expr: 'sum by (queue) (rabbitmq_detailed_queue_messages_unacked)', legend: '{{queue}}' }],
    },
    {
      title: 'Message rates',
      description: 'Published, delivered, acknowledged and dead-lettered messages per second.',
      unit: 'ops',
      queries: [
        { expr: 'sum(rate(rabbitmq_global_messages_received_total[5m]))', legend: 'published' },
        { expr: 'sum(rate(rabbitmq_global_messages_delivered_total[5m]))', legend: 'delivered' },
        { expr: 'sum(rate(rabbitmq_global_messages_acknowledged_total[5m]))', legend: 'acknowledged' },
        { expr: 'sum(rate(rabbitmq_global_messages_dead_lettered_rejected_total[5m]))', legend: 'dead-lettered (rejected)' },
      ],
    },
    {
      title: 'Connections',
      description: 'Client connections per node.',
      unit: 'short',
      queries: [{ expr: 'sum by (instance) (rabbitmq_connections)', legend: '{{instance}}' }],
    },
    {
      title: 'Memory against the high watermark',
      description: 'Resident memory of each node as a fraction of the memory high watermark (publishers block at 100%).',
      unit: 'percentunit',
      queries: [{ expr: 'rabbitmq_process_resident_memory_bytes / rabbitmq_resident_memory_limit_bytes', legend: '{{instance}}' }],
    },
    {
      title: 'Consumers per queue',
      description: 'A queue with messages and no consumers only grows.',
      unit: 'short',
      queries: [{ expr: 'sum by (queue) (rabbitmq_detailed_queue_consumers)', legend: '{{queue}}' }],
    },
  ];
}

/** Nothing to run: the plugin is part of RabbitMQ (enabled by the compose/Kubernetes config). */
function compose(spec: StackSpec): ComposePieces {
  const login = metricsLogin(spec);
  return {
    services: {},
    volumes: [],
    files: [],
    notes: [`**RabbitMQ metrics**: the built-in \`rabbitmq_prometheus\` plugin on port ${rabbitPorts(spec).prometheus} of each node${login ? ` over HTTPS with the \`${login.user}\` login (Prometheus checks the node's certificate against \`${CA_FILES.cert}\`, mounted read-only, and reads the password from the \`${composeSecret(login.env).source}\` secret)` : ''} (\`/metrics\` and \`/metrics/detailed\` per queue).`],
  };
}

function k8s(): K8sObject[] {
  return [];
}

export const rabbitmqMonitoring: MonitoringPart = {
  broker: 'rabbitmq',
  covers: ['queue-depth', 'message-rates', 'connection-count', 'memory-usage'],
  composeNodes: (spec) => scalingOf(spec, 'rabbitmq').nodes,
  jobs,
  alerts,
  panels,
  files: () => [],
  compose,
  k8s,
  readme: (spec) =>
    render('monitoring/rabbitmq.md', {
      port: rabbitPorts(spec).prometheus,
      https: rabbitTls(spec),
      vhost: settingsOf(spec, 'rabbitmq').vhost,
      families: DETAILED_FAMILIES,
      queues: monitoredQueues(spec),
    }),
};
