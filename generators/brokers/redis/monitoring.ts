/**
 * Redis monitoring: one redis_exporter in multi-target mode (`/scrape?target=redis://…`), so a
 * primary with replicas needs a single exporter, with stream checks on for the spec's streams
 * (length, consumer groups, pending entries) and their dead-letter streams.
 */
import { channelsOf, deadLetterName, scalingOf, settingsOf, type StackSpec } from '../../stack/index.ts';
import { composeSecret, loopbackPort } from '../../emit/compose-model.ts';
import { type K8sObject, IMAGE_UIDS, restrictedContainer, restrictedPod, stackSecretName } from '../../emit/k8s-model.ts';
import { MONITORING_PORTS, type AlertRule, type ComposePieces, type ComposeService, type MonitoringPart, type Naming, type Panel, type ScrapeJob } from '../../emit/monitoring-model.ts';
import { k8sPasswordFiles } from '../../emit/monitoring-auth.ts';
import { render } from '../../emit/render.ts';
import { IMAGES } from '../../versions/images.ts';
import { composeTopology, type Topology } from '../topology.ts';
import { CA_FILES, TLS_FILES, TLS_MOUNT, tlsSecretName } from '../../emit/tls-model.ts';
import { REDIS_PORTS } from './config.ts';
import { MONITOR_USER, redisTls } from './connection.ts';

/** The exporter logs in as the monitor ACL user: INFO, SLOWLOG, and SCAN/TYPE/XINFO for the stream checks, keys read-only, no CONFIG. */
const EXPORTER_USER = MONITOR_USER;
const EXPORTER_PASSWORD = 'REDIS_MONITOR_PASSWORD';

/** Data nodes: a primary plus replicas, or every shard's primary and replicas in cluster mode. */
export function redisNodeCount(spec: StackSpec): number {
  const s = scalingOf(spec, 'redis');
  return s.mode === 'cluster' ? s.shards * (1 + s.replicas) : 1 + s.replicas;
}

function nodeAddresses(spec: StackSpec, topology: Topology): string[] {
  const scheme = redisTls(spec) ? 'rediss' : 'redis';
  return Array.from({ length: redisNodeCount(spec) }, (_, i) => `${scheme}://${topology.host('redis', i)}:${REDIS_PORTS.redis}`);
}

/** The exporter's `-check-streams` value: the spec's streams and their dead-letter streams, in db0. */
export function streamPatterns(spec: StackSpec): string {
  return channelsOf(spec, 'redis')
    .filter((c) => c.kind === 'stream')
    .flatMap((c) => [c.name, deadLetterName(c)].filter((n): n is string => !!n))
    .map((n) => `db0=${n}`)
    .join(',');
}

function hasStreams(spec: StackSpec): boolean {
  return channelsOf(spec, 'redis').some((c) => c.kind === 'stream');
}

function jobs(spec: StackSpec, topology: Naming): ScrapeJob[] {
  return [
    {
      job: 'redis',
      path: '/scrape',
      targets: [{ host: topology.service('redis-exporter'), port: MONITORING_PORTS.redisExporter }],
      probe: nodeAddresses(spec, topology),
      k8s: { service: 'redis-exporter', port: 'metrics' },
    },
  ];
}

function alerts(spec: StackSpec): AlertRule[] {
  const t = spec.monitoring.thresholds;
  const settings = settingsOf(spec, 'redis');
  const series = (metric: string, v: string) => ({ series: `${metric}{instance="redis://redis:6379",job="redis"}`, values: v });
  const max = 1_000_000_000;
  const used = Math.round(max * t.redisMemoryRatio);
  const memoryAdvice =
    settings.evictionPolicy === 'noeviction'
      ? 'This Redis never evicts (it holds streams/queues): at maxmemory every write fails. Trim streams (MAXLEN), make consumers catch up, or raise maxmemory and the memory limit together.'
      : `This Redis evicts (${settings.evictionPolicy}) at maxmemory, so writes keep working but cached keys disappear; watch the hit ratio and raise maxmemory if it drops.`;
  // Hit ratio over the last 5 minutes, only where there is traffic to judge (> 1 lookup/s).
  const hits = 'sum by (instance) (rate(redis_keyspace_hits_total[5m]))';
  const misses = 'sum by (instance) (rate(redis_keyspace_misses_total[5m]))';
  const rules: AlertRule[] = [
    {
      alert: 'RedisMemoryHigh',
      expr: `redis_memory_used_bytes / redis_memory_max_bytes > ${t.redisMemoryRatio} and redis_memory_max_bytes > 0`,
      for: '5m',
      severity: settings.evictionPolicy === 'noeviction' ? 'critical' : 'warning',
      summary: `{{ $labels.instance }} uses more than ${Math.round(t.redisMemoryRatio * 100)}% of maxmemory`,
      description: memoryAdvice,
      test: {
        firing: [series('redis_memory_used_bytes', `${used + 1_000_000}x20`), series('redis_memory_max_bytes', `${max}x20`)],
        quiet: [series('redis_memory_used_bytes', `${Math.max(0, used - 1_000_000)}x20`), series('redis_memory_max_bytes', `${max}x20`)],
        labels: { instance: 'redis://redis:6379', job: 'redis' },
        evalTime: '10m',
      },
    },
    {
      alert: 'RedisKeyspaceHitRatioLow',
      expr: `${hits} / (${hits} + ${misses}) < ${t.redisHitRatio} and (${hits} + ${misses}) > 1`,
      for: '15m',
      severity: 'warning',
      summary: `Keyspace hit ratio on {{ $labels.instance }} is below ${t.redisHitRatio}`,
      description:
        'Most lookups miss: keys expire too early, are evicted (maxmemory too small; see redis_evicted_keys_total), or the application reads keys it never writes. ' +
        'Check TTLs and evictions, then size maxmemory to the working set.',
      test: {
        // 100 lookups/min = 1.67/s; the ratio is hits/(hits+misses) per minute.
        firing: [series('redis_keyspace_hits_total', `0+${Math.floor(t.redisHitRatio * 100) - 1}x40`), series('redis_keyspace_misses_total', `0+${101 - Math.floor(t.redisHitRatio * 100)}x40`)],
        // Quiet one point above (rates are floating point: exactly at the threshold may round below it).
        quiet: [series('redis_keyspace_hits_total', `0+${Math.ceil(t.redisHitRatio * 100) + 1}x40`), series('redis_keyspace_misses_total', `0+${99 - Math.ceil(t.redisHitRatio * 100)}x40`)],
        labels: { instance: 'redis://redis:6379' },
        evalTime: '25m',
      },
    },
    {
      alert: 'RedisConnectedClientsHigh',
      expr: `redis_connected_clients > ${t.redisConnectedClients}`,
      for: '5m',
      severity: 'warning',
      summary: `{{ $labels.instance }} has more than ${t.redisConnectedClients} clients`,
      description:
        'Usually a client leak (a connection per request) or a pool sized too large across many replicas of a service. ' +
        'CLIENT LIST shows who is connected; reuse connections, and note Redis refuses clients beyond maxclients.',
      test: {
        firing: [series('redis_connected_clients', `${t.redisConnectedClients + 1}x20`)],
        quiet: [series('redis_connected_clients', `${t.redisConnectedClients}x20`)],
        labels: { instance: 'redis://redis:6379', job: 'redis' },
        evalTime: '10m',
      },
    },
  ];
  if (settings.persistence !== 'none') {
    rules.push({
      alert: 'RedisPersistenceFailing',
      expr: 'redis_rdb_last_bgsave_status == 0 or redis_aof_last_write_status == 0',
      for: '5m',
      severity: 'critical',
      summary: '{{ $labels.instance }} cannot write its RDB snapshot or AOF',
      description:
        'Redis cannot persist: usually a full or read-only disk. With stop-writes-on-bgsave-error it refuses writes too. ' +
        'Free disk space on the data volume, check the Redis log for the error, then run BGSAVE and check LASTSAVE moves.',
      test: {
        firing: [series('redis_rdb_last_bgsave_status', '0x20'), series('redis_aof_last_write_status', '1x20')],
        quiet: [series('redis_rdb_last_bgsave_status', '1x20'), series('redis_aof_last_write_status', '1x20')],
        labels: { instance: 'redis://redis:6379', job: 'redis' },
        evalTime: '10m',
      },
    });
  }
  return rules;
}

function panels(spec: StackSpec): Panel[] {
  const list: Panel[] = [
    {
      title: 'Memory against maxmemory',
      description: 'Used memory and the configured maxmemory of each node.',
      unit: 'bytes',
      queries: [
        { expr: 'redis_memory_used_bytes', legend: 'used {{instance}}' },
        { expr: 'redis_memory_max_bytes', legend: 'maxmemory {{instance}}' },
      ],
    },
    {
      title: 'Keyspace hit ratio',
      description: 'hits / (hits + misses) over 5 minutes.',
      unit: 'percentunit',
      queries: [
        {
          expr: 'sum by (instance) (rate(redis_keyspace_hits_total[5m])) / (sum by (instance) (rate(redis_keyspace_hits_total[5m])) + sum by (instance) (rate(redis_keyspace_misses_total[5m])))',
          legend: '{{instance}}',
        },
      ],
    },
    {
      title: 'Connected clients',
      description: 'Client connections per node.',
      unit: 'short',
      queries: [{ expr: 'redis_connected_clients', legend: '{{instance}}' }],
    },
    {
      title: 'Evicted and expired keys',
      description: 'Keys removed per second: evictions mean maxmemory is too small for the working set.',
      unit: 'ops',
      queries: [
        { expr: 'sum by (instance) (rate(redis_evicted_keys_total[5m]))', legend: 'evicted {{instance}}' },
        { expr: 'sum by (instance) (rate(redis_expired_keys_total[5m]))', legend: 'expired {{instance}}' },
      ],
    },
  ];
  if (hasStreams(spec)) {
    list.push(
      {
        title: 'Stream length',
        description: 'Entries in each stream (trimmed at MAXLEN).',
        unit: 'short',
        queries: [{ expr: 'max by (stream) (redis_stream_length)', legend: '{{stream}}' }],
      },
      {
        title: 'Pending entries per consumer group',
        description: 'Delivered to a consumer and not yet XACKed; stuck entries go to the dead-letter stream after maxDeliveries.',
        unit: 'short',
        queries: [{ expr: 'max by (stream, group) (redis_stream_group_messages_pending)', legend: '{{stream}} / {{group}}' }],
      },
    );
  } else {
    list.push({
      title: 'Pub/Sub channels',
      description: 'Channels with at least one subscriber.',
      unit: 'short',
      queries: [{ expr: 'redis_pubsub_channels', legend: '{{instance}}' }],
    });
  }
  return list;
}

/**
 * The exporter's command: a shell reads the monitor password from its file into the exporter's
 * own environment, so it is never in the container's configuration (`docker inspect`) nor on a
 * command line. `$$` is `$` after compose's and Kubernetes' own expansion.
 */
export function exporterCommand(passwordFile: string, binary = '/redis_exporter'): string[] {
  return ['/bin/sh', '-c', `REDIS_PASSWORD="$$(cat ${passwordFile})" && export REDIS_PASSWORD && exec ${binary}`];
}

/**
 * Exporter settings shared by compose and Kubernetes (the password: exporterCommand()). No CONFIG
 * command (`-`): the monitor user may not run CONFIG GET, which would show masterauth;
 * redis_memory_max_bytes comes from INFO. prod: rediss:// targets verified with the CA (host names
 * included), no client certificate.
 */
export function exporterEnvironment(spec: StackSpec): Record<string, string> {
  const streams = streamPatterns(spec);
  return {
    REDIS_ADDR: '', // multi-target only: Prometheus names the node in ?target=
    REDIS_USER: EXPORTER_USER,
    REDIS_EXPORTER_WEB_LISTEN_ADDRESS: `:${MONITORING_PORTS.redisExporter}`,
    REDIS_EXPORTER_CONFIG_COMMAND: '-',
    ...(redisTls(spec) && { REDIS_EXPORTER_TLS_CA_CERT_FILE: TLS_FILES.ca }),
    ...(streams && { REDIS_EXPORTER_CHECK_STREAMS: streams }),
  };
}

function compose(spec: StackSpec, brokers: Readonly<Record<string, ComposeService>>): ComposePieces {
  const topology = composeTopology({ redis: redisNodeCount(spec) });
  const nodes = Array.from({ length: redisNodeCount(spec) }, (_, i) => topology.host('redis', i)).filter((h) => brokers[h] !== undefined);
  return {
    services: {
      'redis-exporter': {
        image: IMAGES.redisExporter,
        restart: 'unless-stopped',
        entrypoint: exporterCommand(composeSecret(EXPORTER_PASSWORD).target),
        environment: exporterEnvironment(spec),
        secrets: [composeSecret(EXPORTER_PASSWORD)],
        ports: [loopbackPort(MONITORING_PORTS.redisExporter, MONITORING_PORTS.redisExporter)],
        // prod: the CA certificate only (public), to verify the nodes.
        ...(redisTls(spec) && { volumes: [{ type: 'bind' as const, source: `./${CA_FILES.cert}`, target: TLS_FILES.ca, read_only: true }] }),
        depends_on: Object.fromEntries(nodes.map((h) => [h, { condition: 'service_healthy' as const }])),
        healthcheck: { test: ['CMD', 'wget', '-qO-', `http://127.0.0.1:${MONITORING_PORTS.redisExporter}/health`], interval: '15s', timeout: '5s', retries: 5, start_period: '10s' },
      },
    },
    volumes: [],
    files: [],
    notes: [`**Redis metrics**: \`redis-exporter\` (127.0.0.1:${MONITORING_PORTS.redisExporter}) probes every Redis node as the "${EXPORTER_USER}" ACL user (read-only introspection), with stream checks for the spec's streams.`],
  };
}

function k8s(spec: StackSpec, namespace: string): K8sObject[] {
  // The monitor user's password as a file, from the Secret the Pulumi program creates (key = .env name); compose: its secrets folder.
  const password = k8sPasswordFiles(stackSecretName(spec), [{ env: EXPORTER_PASSWORD }], 'password', '/etc/brokerplate/redis-exporter');
  const labels = { 'app.kubernetes.io/name': 'redis-exporter', 'app.kubernetes.io/part-of': spec.name };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'redis-exporter', namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'redis-exporter' } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPod(IMAGE_UIDS.redisExporter),
            containers: [
              {
                name: 'redis-exporter',
                image: IMAGES.redisExporter,
                securityContext: restrictedContainer(),
                command: exporterCommand(password.file({ env: EXPORTER_PASSWORD })),
                env: Object.entries(exporterEnvironment(spec)).map(([name, value]) => ({ name, value })),
                ports: [{ name: 'metrics', containerPort: MONITORING_PORTS.redisExporter }],
                readinessProbe: { httpGet: { path: '/health', port: 'metrics' }, periodSeconds: 15 },
                resources: { requests: { cpu: '20m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
                volumeMounts: [
                  password.mount,
                  ...(redisTls(spec) ? [{ name: 'tls', mountPath: TLS_MOUNT, readOnly: true }] : []),
                ],
              },
            ],
            volumes: [
              password.volume,
              // prod: ca.crt of the data nodes' cert-manager Secret, to verify them.
              ...(redisTls(spec) ? [{ name: 'tls', secret: { secretName: tlsSecretName('redis'), items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] : []),
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'redis-exporter', namespace, labels },
      spec: { selector: { 'app.kubernetes.io/name': 'redis-exporter' }, ports: [{ name: 'metrics', port: MONITORING_PORTS.redisExporter, targetPort: 'metrics' }] },
    },
  ];
}

export const redisMonitoring: MonitoringPart = {
  broker: 'redis',
  covers: ['memory-usage', 'keyspace-hit-ratio', 'connected-clients'],
  composeNodes: redisNodeCount,
  unreachable: 'redis_up == 0',
  jobs,
  alerts,
  panels,
  files: () => [],
  compose,
  k8s,
  readme: (spec) =>
    render('monitoring/redis.md', {
      port: MONITORING_PORTS.redisExporter,
      user: EXPORTER_USER,
      streams: streamPatterns(spec),
      role: settingsOf(spec, 'redis').role,
      eviction: settingsOf(spec, 'redis').evictionPolicy,
    }),
};
