/**
 * The monitoring area: Prometheus (scrape config for compose and for Kubernetes, alert rules and
 * their promtool unit tests), Alertmanager, Grafana (datasource + one dashboard per broker) and
 * the exporters. Each broker's part (generators/brokers/<b>/monitoring.ts) supplies its jobs,
 * alerts and panels; this module adds what every broker shares (target down, stale backups),
 * serialises everything as objects, and exposes the compose services and Kubernetes objects as
 * plain data for the compose and Pulumi emitters.
 */
import { kafkaMonitoring } from '../brokers/kafka/monitoring.ts';
import { rabbitmqMonitoring } from '../brokers/rabbitmq/monitoring.ts';
import { redisMonitoring, redisNodeCount } from '../brokers/redis/monitoring.ts';
import { composeTopology, type Topology } from '../brokers/topology.ts';
import { BROKERS, MONITORING_METRICS, type BrokerId } from '../guide/index.ts';
import { brokersOf, scalingOf, type StackSpec } from '../stack/index.ts';
import { IMAGES } from '../versions/images.ts';
import type { Area, AreaOutput } from './area.ts';
import { envRef, loopbackPort, type ComposeAddon, type ServiceAdditions } from './compose-model.ts';
import { k8sTopology, type K8sAddon } from './k8s-model.ts';
import { scheduledBackups } from './backup.ts';
import { jsonFile, yamlFile, type GeneratedFile } from './files.ts';
import {
  type Naming,
  BACKUP_METRIC,
  BACKUP_PUSH_JOB,
  IMAGE_UIDS,
  MONITORING_PORTS,
  restrictedContainer,
  restrictedPod,
  type AlertRule,
  type ComposePieces,
  type ComposeService,
  type K8sObject,
  type MonitoringPart,
  type Panel,
  type ScrapeJob,
} from './monitoring-model.ts';
import { render } from './render.ts';

export const MONITORING_PARTS = {
  kafka: kafkaMonitoring,
  rabbitmq: rabbitmqMonitoring,
  redis: redisMonitoring,
} as const satisfies Record<BrokerId, MonitoringPart>;

export const PATHS = {
  prometheus: 'monitoring/prometheus/prometheus.yml',
  prometheusK8s: 'monitoring/prometheus/prometheus.k8s.yml',
  rules: (group: string) => `monitoring/prometheus/rules/${group}.yml`,
  tests: (group: string) => `monitoring/prometheus/tests/${group}.test.yml`,
  alertmanager: 'monitoring/alertmanager/alertmanager.yml',
  datasource: 'monitoring/grafana/provisioning/datasources/prometheus.yml',
  dashboardProvider: 'monitoring/grafana/provisioning/dashboards/brokerplate.yml',
  dashboard: (broker: BrokerId) => `monitoring/grafana/dashboards/${broker}.json`,
  operator: 'monitoring/k8s/prometheus-operator.yml',
} as const;

export const DATASOURCE_UID = 'prometheus';
/** Secrets the monitoring services need in .env (see the report: env.ts only knows broker secrets). */
export const MONITORING_SECRETS = [{ env: 'GRAFANA_ADMIN_PASSWORD', description: 'Password of the Grafana "admin" user' }] as const;

/** The compose naming: one service per broker node (`<group>-<n>` when there are several), services by name. */
export function composeNodes(spec: StackSpec): Naming {
  const topology = composeTopology({
    kafka: spec.brokers.kafka ? scalingOf(spec, 'kafka').nodes : 0,
    rabbitmq: spec.brokers.rabbitmq ? scalingOf(spec, 'rabbitmq').nodes : 0,
    redis: spec.brokers.redis ? redisNodeCount(spec) : 0,
  });
  return { host: (group, ordinal) => topology.host(group, ordinal), service: (name) => name };
}

/**
 * Kubernetes naming for a namespace: services as `<name>.<namespace>.svc`; broker pods from the
 * Kubernetes area's Topology (`<pod>.<headless service>`, resolved in the stack's namespace, where
 * Prometheus runs too).
 */
export function k8sNodes(namespace: string, topology: Topology = k8sTopology()): Naming {
  return { host: (group, ordinal) => topology.host(group, ordinal), service: (name) => `${name}.${namespace}.svc` };
}

// ---------------------------------------------------------------- alerts shared by every broker

/** Jobs of a broker, for its TargetDown alert. */
function jobNames(spec: StackSpec, broker: BrokerId): string[] {
  return MONITORING_PARTS[broker].jobs(spec, composeNodes(spec)).map((j) => j.job);
}

function targetDown(spec: StackSpec, broker: BrokerId): AlertRule {
  const jobs = jobNames(spec, broker);
  // Exporters that stay up while their broker is unreachable say so in a metric of their own.
  const inner = broker === 'kafka' ? ' or kafka_lag_exporter_up == 0' : broker === 'redis' ? ' or redis_up == 0' : '';
  const title = BROKERS[broker].title;
  const sample = jobs[0] ?? broker;
  return {
    alert: `${pascal(broker)}TargetDown`,
    expr: `up{job=~"${jobs.join('|')}"} == 0${inner}`,
    for: '2m',
    severity: 'critical',
    summary: `${title} target {{ $labels.instance }} ({{ $labels.job }}) is down`,
    description:
      `Prometheus cannot read ${title} metrics from {{ $labels.instance }}: the node or its exporter is down, or unreachable from Prometheus. ` +
      `Check the container/pod (docker compose ps, kubectl get pods), its logs, and its healthcheck; while it is down every other ${title} alert is blind.`,
    test: {
      firing: [{ series: `up{job="${sample}",instance="${sample}-1:1234"}`, values: '0x10' }],
      quiet: [{ series: `up{job="${sample}",instance="${sample}-1:1234"}`, values: '1x10' }],
      labels: { job: sample, instance: `${sample}-1:1234` },
      evalTime: '5m',
    },
  };
}

/**
 * Two alerts per scheduled backup: too old, and never recorded at all (e.g. the job never ran).
 * Their tests span more than a day, so samples (and the group's evaluation) are 10 minutes apart.
 */
function backupSeries(broker: BrokerId, backup: string): string {
  return `${BACKUP_METRIC}{broker="${broker}",backup="${backup}",job="${BACKUP_PUSH_JOB}"}`;
}

function backupAlerts(spec: StackSpec, broker: BrokerId, all: readonly string[]): AlertRule[] {
  const hours = spec.monitoring.thresholds.backupMaxAgeHours;
  const seconds = Math.round(hours * 3600);
  const title = BROKERS[broker].title;
  const step = 10; // minutes
  const samples = Math.ceil((hours * 60) / step) + 12; // two hours past the threshold
  const evalTime = `${(Math.ceil((hours * 60) / step) + 6) * step}m`;
  return scheduledBackups(spec, broker).flatMap((backup): AlertRule[] => {
    const selector = `${BACKUP_METRIC}{broker="${broker}",backup="${backup}"}`;
    const series = backupSeries(broker, backup);
    // The other backups of the stack report on time, so only this one is missing.
    const others = all.filter((s) => s !== series).map((s) => ({ series: s, values: `0+${step * 60}x${samples}` }));
    return [
      {
        alert: 'BackupStale',
        expr: `time() - ${selector} > ${seconds}`,
        for: '10m',
        severity: 'critical',
        broker,
        summary: `The last ${title} ${backup} backup is older than ${hours}h`,
        description:
          `The scheduled ${backup} backup of ${title} has not succeeded for ${hours} hours, so a restore would lose more than that. ` +
          `Look at the backup job's last run (docker compose --profile backup run --rm ${broker}-backup by hand, or kubectl get jobs), fix it, and run it once.`,
        test: {
          firing: [{ series, values: `0x${samples}` }],
          quiet: [{ series, values: `0+${step * 60}x${samples}` }],
          labels: { backup, job: BACKUP_PUSH_JOB },
          evalTime,
          interval: `${step}m`,
        },
      },
      {
        alert: 'BackupNeverRecorded',
        expr: `absent(${selector})`,
        for: `${hours}h`,
        severity: 'warning',
        broker,
        summary: `No ${title} ${backup} backup was recorded in ${hours}h`,
        description:
          `Prometheus has never seen the ${backup} backup of ${title} report success: the job is not scheduled, fails before it reports, or cannot reach the Pushgateway. ` +
          'Run the backup once by hand and check it pushes its timestamp.',
        test: {
          firing: [{ series: 'up{job="pushgateway",instance="pushgateway:9091"}', values: `1x${samples}` }, ...others],
          quiet: [{ series, values: `0+${step * 60}x${samples}` }, ...others],
          labels: { backup },
          evalTime,
          interval: `${step}m`,
        },
      },
    ];
  });
}

function stackAlerts(spec: StackSpec): AlertRule[] {
  const jobs = ['prometheus', 'alertmanager', ...(spec.backup.enabled ? ['pushgateway'] : [])];
  return [
    {
      alert: 'MonitoringTargetDown',
      expr: `up{job=~"${jobs.join('|')}"} == 0`,
      for: '5m',
      severity: 'warning',
      summary: 'Monitoring component {{ $labels.job }} is down',
      description:
        'Part of the monitoring stack itself is down: without Alertmanager no alert is delivered, without the Pushgateway backups cannot report. ' +
        'Restart it and check its logs and volume.',
      test: {
        firing: [{ series: 'up{job="alertmanager",instance="alertmanager:9093"}', values: '0x10' }],
        quiet: [{ series: 'up{job="alertmanager",instance="alertmanager:9093"}', values: '1x10' }],
        labels: { job: 'alertmanager', instance: 'alertmanager:9093' },
        evalTime: '8m',
      },
    },
  ];
}

function pascal(id: string): string {
  return id === 'rabbitmq' ? 'Rabbitmq' : id.charAt(0).toUpperCase() + id.slice(1);
}

export interface AlertGroup {
  readonly name: string;
  readonly broker?: BrokerId;
  /** Rule evaluation interval of the group (and of its unit tests); Prometheus' global one when absent. */
  readonly interval?: string;
  readonly alerts: AlertRule[];
}

/** The rule groups: one per broker, `backup` (stale backups of every broker) and `stack` (monitoring itself). */
export function alertGroups(spec: StackSpec): AlertGroup[] {
  const brokers = brokersOf(spec);
  const all = brokers.flatMap((b) => scheduledBackups(spec, b).map((k) => backupSeries(b, k)));
  const backups = brokers.flatMap((b) => backupAlerts(spec, b, all));
  return [
    ...brokers.map((broker) => ({ name: broker, broker, alerts: [...MONITORING_PARTS[broker].alerts(spec), targetDown(spec, broker)] })),
    ...(backups.length > 0 ? [{ name: 'backup', alerts: backups }] : []),
    { name: 'stack', alerts: stackAlerts(spec) },
  ];
}

function ruleLabels(severity: string, broker: BrokerId | undefined): Record<string, string> {
  return { severity, ...(broker && { broker }) };
}

/** A Prometheus rule file: `{ groups: [...] }`. */
export function rulesFile(group: AlertGroup): object {
  return {
    groups: [
      {
        name: group.name,
        ...(group.interval && { interval: group.interval }),
        rules: group.alerts.map((a) => ({
          alert: a.alert,
          expr: a.expr,
          for: a.for,
          labels: ruleLabels(a.severity, a.broker ?? group.broker),
          annotations: { summary: a.summary, description: a.description },
        })),
      },
    ],
  };
}

/** `{{ $labels.x }}` expanded the way Prometheus will, for the expected annotations of a test. */
function expand(template: string, labels: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, name: string) => labels[name] ?? '');
}

/**
 * promtool unit tests for a rule file: per alert one test where it fires (exact labels and
 * annotations) and one where, just on the quiet side of its threshold, it does not.
 */
export function ruleTestsFile(group: AlertGroup): object {
  const coarse = group.alerts.every((a) => a.test.interval !== undefined);
  return {
    rule_files: [`../rules/${group.name}.yml`],
    evaluation_interval: coarse ? group.alerts[0]?.test.interval : '1m',
    tests: group.alerts.flatMap((a) => {
      const labels = { ...a.test.labels, ...ruleLabels(a.severity, a.broker ?? group.broker) };
      const expected = { exp_labels: labels, exp_annotations: { summary: expand(a.summary, labels), description: expand(a.description, labels) } };
      return [
        {
          name: `${a.alert}${a.broker && !group.broker ? ` (${a.broker})` : ''} fires`,
          interval: a.test.interval ?? '1m',
          input_series: a.test.firing.map((s) => ({ series: s.series, values: s.values })),
          alert_rule_test: [{ eval_time: a.test.evalTime, alertname: a.alert, exp_alerts: [expected] }],
        },
        {
          name: `${a.alert}${a.broker && !group.broker ? ` (${a.broker})` : ''} stays quiet`,
          interval: a.test.interval ?? '1m',
          input_series: a.test.quiet.map((s) => ({ series: s.series, values: s.values })),
          alert_rule_test: [{ eval_time: a.test.evalTime, alertname: a.alert, exp_alerts: [] }],
        },
      ];
    }),
  };
}

// ---------------------------------------------------------------- Prometheus configuration

/** Scrape jobs of the whole stack: monitoring services first, then the brokers' exporters. */
export function scrapeJobs(spec: StackSpec, topology: Naming): ScrapeJob[] {
  const own: ScrapeJob[] = [
    { job: 'prometheus', targets: [{ host: 'localhost', port: MONITORING_PORTS.prometheus }], k8s: { service: 'prometheus', port: 'web' } },
    { job: 'alertmanager', targets: [{ host: topology.service('alertmanager'), port: MONITORING_PORTS.alertmanager }], k8s: { service: 'alertmanager', port: 'web' } },
  ];
  if (spec.backup.enabled) {
    own.push({ job: 'pushgateway', targets: [{ host: topology.service('pushgateway'), port: MONITORING_PORTS.pushgateway }], honorLabels: true, k8s: { service: 'pushgateway', port: 'web' } });
  }
  return [...own, ...brokersOf(spec).flatMap((b) => MONITORING_PARTS[b].jobs(spec, topology))];
}

function staticScrapeConfig(job: ScrapeJob): object {
  const base = {
    job_name: job.job,
    ...(job.path && { metrics_path: job.path }),
    ...(job.params && { params: job.params }),
    ...(job.honorLabels && { honor_labels: true }),
  };
  const exporter = job.targets.map((t) => `${t.host}:${t.port}`);
  if (!job.probe) return { ...base, static_configs: [{ targets: exporter }] };
  // Multi-target exporter: the node goes into ?target= and the instance label, the exporter is scraped.
  return {
    ...base,
    static_configs: [{ targets: [...job.probe] }],
    relabel_configs: [
      { source_labels: ['__address__'], target_label: '__param_target' },
      { source_labels: ['__param_target'], target_label: 'instance' },
      { target_label: '__address__', replacement: exporter[0] },
    ],
  };
}

const GLOBAL = { scrape_interval: '15s', scrape_timeout: '10s', evaluation_interval: '15s' };

/**
 * prometheus.yml: static targets, named by `naming` (compose service names by default; with
 * `k8sNodes(namespace, topology)` the same file for Kubernetes without the Prometheus operator:
 * pod DNS names for broker nodes, `<service>.<namespace>.svc` for the rest).
 */
export function prometheusConfig(spec: StackSpec, naming: Naming = composeNodes(spec)): object {
  return {
    global: { ...GLOBAL, external_labels: { stack: spec.name } },
    rule_files: ['rules/*.yml'],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`${naming.service('alertmanager')}:${MONITORING_PORTS.alertmanager}`] }] }] },
    scrape_configs: scrapeJobs(spec, naming).map(staticScrapeConfig),
  };
}

/** Alertmanager with a placeholder receiver: alerts are grouped and visible in its UI, sent nowhere until replaced. */
export function alertmanagerConfig(): object {
  return {
    route: {
      receiver: 'replace-me',
      group_by: ['alertname', 'broker'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [{ matchers: ['severity="critical"'], receiver: 'replace-me', repeat_interval: '1h' }],
    },
    // A broker that is down makes its other alerts noise: the TargetDown alert says it all.
    inhibit_rules: [{ source_matchers: ['alertname=~".+TargetDown"'], target_matchers: ['severity="warning"'], equal: ['broker'] }],
    receivers: [{ name: 'replace-me' }],
  };
}

const ALERTMANAGER_HEADER = [
  'Alertmanager for the stack. The receiver "replace-me" delivers nowhere: replace it with yours, e.g.',
  '  receivers:',
  '    - name: replace-me',
  '      slack_configs: [{ api_url_file: /etc/alertmanager/slack-url, channel: "#alerts", send_resolved: true }]',
  'or email_configs / webhook_configs / pagerduty_configs; keep credentials in files or the environment, not here.',
  'Check it with: amtool check-config monitoring/alertmanager/alertmanager.yml',
].join('\n');

// ---------------------------------------------------------------- Grafana

export function grafanaDatasource(url = `http://prometheus:${MONITORING_PORTS.prometheus}`): object {
  return {
    apiVersion: 1,
    datasources: [{ name: 'Prometheus', type: 'prometheus', uid: DATASOURCE_UID, access: 'proxy', url, isDefault: true, editable: false }],
  };
}

export function grafanaDashboardProvider(spec: StackSpec): object {
  return {
    apiVersion: 1,
    providers: [
      {
        name: 'brokerplate',
        folder: spec.name,
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        options: { path: '/var/lib/grafana/dashboards', foldersFromFilesStructure: false },
      },
    ],
  };
}

/** Panels every broker dashboard ends with: its targets' health and the age of its backups. */
function sharedPanels(spec: StackSpec, broker: BrokerId): Panel[] {
  const panels: Panel[] = [
    {
      title: 'Targets up',
      description: 'Scrape health of every target of this broker (1 = up).',
      unit: 'short',
      queries: [{ expr: `up{job=~"${jobNames(spec, broker).join('|')}"}`, legend: '{{job}} {{instance}}' }],
    },
  ];
  if (spec.backup.enabled && scheduledBackups(spec, broker).length > 0) {
    panels.push({
      title: 'Age of the last backup',
      description: `Seconds since each scheduled backup last succeeded; alerts after ${spec.monitoring.thresholds.backupMaxAgeHours}h.`,
      unit: 's',
      queries: [{ expr: `time() - ${BACKUP_METRIC}{broker="${broker}"}`, legend: '{{backup}}' }],
    });
  }
  return panels;
}

export function dashboardPanels(spec: StackSpec, broker: BrokerId): Panel[] {
  return [...MONITORING_PARTS[broker].panels(spec), ...sharedPanels(spec, broker)];
}

export function dashboard(spec: StackSpec, broker: BrokerId): object {
  const datasource = { type: 'prometheus', uid: DATASOURCE_UID };
  return {
    uid: `brokerplate-${broker}`,
    title: `${BROKERS[broker].title} — ${spec.name}`,
    description: `The guide's key metrics for ${BROKERS[broker].title}: ${MONITORING_METRICS[broker].join(', ')}.`,
    tags: ['brokerplate', broker],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    annotations: { list: [] },
    templating: { list: [] },
    panels: dashboardPanels(spec, broker).map((p, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      description: p.description,
      datasource,
      gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
      targets: p.queries.map((q, j) => ({ refId: String.fromCharCode(65 + j), datasource, expr: q.expr, legendFormat: q.legend })),
    })),
  };
}

// ---------------------------------------------------------------- compose and Kubernetes pieces

function wgetHealth(port: number, path: string): NonNullable<ComposeService['healthcheck']> {
  return { test: ['CMD', 'wget', '-qO-', `http://127.0.0.1:${port}${path}`], interval: '15s', timeout: '5s', retries: 5, start_period: '20s' };
}

const dir = (source: string, target: string) => ({ type: 'bind' as const, source: `./${source}`, target, read_only: true as const });
const volume = (source: string, target: string) => ({ type: 'volume' as const, source, target });

/**
 * The monitoring services for docker compose (Prometheus, Alertmanager, Grafana, the Pushgateway
 * the backups report to, and the brokers' exporters) with loopback ports and healthchecks, plus
 * what the broker services need (the Kafka JMX agent). Listed by composeAddons() in compose.ts.
 */
export function monitoringCompose(spec: StackSpec, brokers: Readonly<Record<string, ComposeService>>): ComposePieces {
  const P = MONITORING_PORTS;
  const services: Record<string, ComposeService> = {
    prometheus: {
      image: IMAGES.prometheus,
      restart: 'unless-stopped',
      command: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--storage.tsdb.retention.time=15d', '--web.enable-lifecycle'],
      volumes: [dir('monitoring/prometheus', '/etc/prometheus'), volume('prometheus-data', '/prometheus')],
      ports: [loopbackPort(P.prometheus, P.prometheus)],
      depends_on: { alertmanager: { condition: 'service_healthy' } },
      healthcheck: wgetHealth(P.prometheus, '/-/healthy'),
    },
    alertmanager: {
      image: IMAGES.alertmanager,
      restart: 'unless-stopped',
      command: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager'],
      volumes: [dir('monitoring/alertmanager', '/etc/alertmanager'), volume('alertmanager-data', '/alertmanager')],
      ports: [loopbackPort(P.alertmanager, P.alertmanager)],
      healthcheck: wgetHealth(P.alertmanager, '/-/healthy'),
    },
    grafana: {
      image: IMAGES.grafana,
      restart: 'unless-stopped',
      environment: {
        GF_SECURITY_ADMIN_USER: 'admin',
        GF_SECURITY_ADMIN_PASSWORD: envRef('GRAFANA_ADMIN_PASSWORD'),
        GF_USERS_ALLOW_SIGN_UP: 'false',
        GF_AUTH_ANONYMOUS_ENABLED: 'false',
        GF_ANALYTICS_REPORTING_ENABLED: 'false',
      },
      volumes: [
        dir('monitoring/grafana/provisioning', '/etc/grafana/provisioning'),
        dir('monitoring/grafana/dashboards', '/var/lib/grafana/dashboards'),
        volume('grafana-data', '/var/lib/grafana'),
      ],
      ports: [loopbackPort(P.grafana, P.grafana)],
      depends_on: { prometheus: { condition: 'service_healthy' } },
      healthcheck: wgetHealth(P.grafana, '/api/health'),
    },
  };
  const volumes = ['prometheus-data', 'alertmanager-data', 'grafana-data'];
  if (spec.backup.enabled) {
    services.pushgateway = {
      image: IMAGES.pushgateway,
      restart: 'unless-stopped',
      // Persisted so backup timestamps survive a restart (else "never recorded" alerts after every restart).
      command: ['--persistence.file=/data/pushgateway.db', '--persistence.interval=1m'],
      volumes: [volume('pushgateway-data', '/data')],
      ports: [loopbackPort(P.pushgateway, P.pushgateway)],
      healthcheck: wgetHealth(P.pushgateway, '/-/healthy'),
      user: '0', // a fresh named volume is root-owned; the image runs as nobody
    };
    volumes.push('pushgateway-data');
  }
  const notes = [
    `**Monitoring**: Prometheus http://127.0.0.1:${P.prometheus}, Alertmanager http://127.0.0.1:${P.alertmanager}, Grafana http://127.0.0.1:${P.grafana} (user admin, password GRAFANA_ADMIN_PASSWORD from .env)${spec.backup.enabled ? `, Pushgateway http://127.0.0.1:${P.pushgateway} (backups report success there)` : ''}.`,
  ];
  const extend: Record<string, ServiceAdditions> = {};
  for (const broker of brokersOf(spec)) {
    const part = MONITORING_PARTS[broker].compose(spec, brokers);
    Object.assign(services, part.services);
    volumes.push(...part.volumes);
    notes.push(...part.notes);
    Object.assign(extend, part.extend ?? {});
  }
  return { services, volumes: [...new Set(volumes)].sort(), files: [], notes, extend };
}

/** The compose seam: listed by composeAddons() in generators/emit/compose.ts. */
export const monitoringComposeAddon: ComposeAddon = {
  id: 'monitoring',
  applies: (spec) => spec.monitoring.enabled,
  part: monitoringCompose,
};

/** The Prometheus operator option: one ServiceMonitor per scrape job and one PrometheusRule per rule group. */
export function prometheusOperatorObjects(spec: StackSpec, namespace: string, topology: Naming): K8sObject[] {
  const labels = { 'app.kubernetes.io/part-of': spec.name };
  const monitors: K8sObject[] = scrapeJobs(spec, topology)
    .filter((j) => j.job !== 'prometheus' && !j.probe)
    .map((j) => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: j.job, namespace, labels },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': j.k8s.service } },
        namespaceSelector: { matchNames: [namespace] },
        // The job label the rules and dashboards use: the operator would otherwise name it after the
        // Service (kafka-headless), and two monitors of one Service (rabbitmq, rabbitmq-queues) would collide.
        endpoints: [{ port: j.k8s.port, path: j.path ?? '/metrics', ...(j.params && { params: j.params }), ...(j.honorLabels && { honorLabels: true }), interval: '15s', relabelings: [{ targetLabel: 'job', replacement: j.job }] }],
      },
    }));
  // Multi-target exporters (redis_exporter) become a ScrapeConfig-free ServiceMonitor per node via params.
  const probes: K8sObject[] = scrapeJobs(spec, topology)
    .filter((j) => j.probe)
    .map((j) => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: j.job, namespace, labels },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': j.k8s.service } },
        namespaceSelector: { matchNames: [namespace] },
        endpoints: (j.probe ?? []).map((target) => ({
          port: j.k8s.port,
          path: j.path ?? '/metrics',
          params: { target: [target] },
          interval: '15s',
          relabelings: [{ targetLabel: 'instance', replacement: target }, { targetLabel: 'job', replacement: j.job }],
        })),
      },
    }));
  const rules: K8sObject[] = alertGroups(spec).map((g) => ({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: `${spec.name}-${g.name}`, namespace, labels },
    spec: rulesFile(g),
  }));
  return [...monitors, ...probes, ...rules];
}

function configMap(name: string, namespace: string, data: Record<string, string>, spec: StackSpec): K8sObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': spec.name } }, data };
}

function deployment(spec: StackSpec, namespace: string, name: keyof typeof IMAGE_UIDS, container: Record<string, unknown>, volumes: unknown[], port: number): K8sObject[] {
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': spec.name };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels },
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { 'app.kubernetes.io/name': name } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPod(IMAGE_UIDS[name]),
            containers: [{ name, ports: [{ name: 'web', containerPort: port }], securityContext: restrictedContainer(), ...container }],
            volumes,
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels },
      spec: { selector: { 'app.kubernetes.io/name': name }, ports: [{ name: 'web', port, targetPort: 'web' }] },
    },
  ];
}

/**
 * The monitoring stack for Kubernetes without the operator, as plain objects for the Pulumi
 * program: ConfigMaps with the same files as compose, Deployments and Services for Prometheus,
 * Alertmanager, Grafana and the Pushgateway, plus the brokers' exporter workloads. Storage is
 * emptyDir except the Pushgateway's (a PVC: the stale-backup alerts read it); Prometheus keeps 15 days
 * in an emptyDir, so a restart starts its history afresh. `topology`
 * names the broker pods (default: `k8sNodes`' guess).
 */
export function monitoringK8s(spec: StackSpec, namespace: string, topology?: Topology): K8sObject[] {
  const P = MONITORING_PORTS;
  const groups = alertGroups(spec);
  const rules = Object.fromEntries(groups.map((g) => [`${g.name}.yml`, yamlText(rulesFile(g))]));
  const dashboards = Object.fromEntries(brokersOf(spec).map((b) => [`${b}.json`, JSON.stringify(dashboard(spec, b), null, 2)]));
  const probe = (path: string) => ({ httpGet: { path, port: 'web' }, periodSeconds: 15 });
  const resources = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { cpu: '1', memory } });
  const objects: K8sObject[] = [
    configMap('prometheus-config', namespace, { 'prometheus.yml': yamlText(prometheusConfig(spec, k8sNodes(namespace, topology))) }, spec),
    configMap('prometheus-rules', namespace, rules, spec),
    configMap('alertmanager-config', namespace, { 'alertmanager.yml': yamlText(alertmanagerConfig()) }, spec),
    configMap('grafana-provisioning', namespace, {
      'datasource.yml': yamlText(grafanaDatasource(`http://prometheus.${namespace}.svc:${P.prometheus}`)),
      'dashboards.yml': yamlText(grafanaDashboardProvider(spec)),
    }, spec),
    configMap('grafana-dashboards', namespace, dashboards, spec),
    ...deployment(spec, namespace, 'prometheus', {
      image: IMAGES.prometheus,
      args: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--storage.tsdb.retention.time=15d'],
      volumeMounts: [
        { name: 'config', mountPath: '/etc/prometheus/prometheus.yml', subPath: 'prometheus.yml' },
        { name: 'rules', mountPath: '/etc/prometheus/rules' },
        { name: 'data', mountPath: '/prometheus' },
      ],
      readinessProbe: probe('/-/ready'),
      livenessProbe: probe('/-/healthy'),
      resources: resources('100m', '512Mi'),
    }, [
      { name: 'config', configMap: { name: 'prometheus-config' } },
      { name: 'rules', configMap: { name: 'prometheus-rules' } },
      { name: 'data', emptyDir: {} },
    ], P.prometheus),
    ...deployment(spec, namespace, 'alertmanager', {
      image: IMAGES.alertmanager,
      args: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager'],
      volumeMounts: [{ name: 'config', mountPath: '/etc/alertmanager' }, { name: 'data', mountPath: '/alertmanager' }],
      readinessProbe: probe('/-/ready'),
      resources: resources('20m', '64Mi'),
    }, [{ name: 'config', configMap: { name: 'alertmanager-config' } }, { name: 'data', emptyDir: {} }], P.alertmanager),
    ...deployment(spec, namespace, 'grafana', {
      image: IMAGES.grafana,
      env: [
        { name: 'GF_SECURITY_ADMIN_USER', value: 'admin' },
        { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: `${spec.name}-secrets`, key: 'GRAFANA_ADMIN_PASSWORD' } } },
        { name: 'GF_USERS_ALLOW_SIGN_UP', value: 'false' },
      ],
      volumeMounts: [
        { name: 'provisioning', mountPath: '/etc/grafana/provisioning/datasources/prometheus.yml', subPath: 'datasource.yml' },
        { name: 'provisioning', mountPath: '/etc/grafana/provisioning/dashboards/brokerplate.yml', subPath: 'dashboards.yml' },
        { name: 'data', mountPath: '/var/lib/grafana' },
        { name: 'dashboards', mountPath: '/var/lib/grafana/dashboards' },
        { name: 'logs', mountPath: '/var/log/grafana' },
        { name: 'tmp', mountPath: '/tmp' },
      ],
      readinessProbe: probe('/api/health'),
      resources: resources('50m', '256Mi'),
    }, [
      { name: 'provisioning', configMap: { name: 'grafana-provisioning' } },
      { name: 'dashboards', configMap: { name: 'grafana-dashboards' } },
      { name: 'data', emptyDir: {} },
      { name: 'logs', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
    ], P.grafana),
  ];
  if (spec.backup.enabled) {
    // The backups' success times live here and the stale-backup alerts read them: keep them on a
    // volume (as compose does), or every Pushgateway restart looks like "backup never recorded".
    objects.push(
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'pushgateway-data', namespace, labels: { 'app.kubernetes.io/name': 'pushgateway', 'app.kubernetes.io/part-of': spec.name } },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
      ...deployment(spec, namespace, 'pushgateway', {
        image: IMAGES.pushgateway,
        args: ['--persistence.file=/data/pushgateway.db', '--persistence.interval=1m'],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
        readinessProbe: probe('/-/ready'),
        resources: resources('20m', '64Mi'),
      }, [{ name: 'data', persistentVolumeClaim: { claimName: 'pushgateway-data' } }], P.pushgateway),
    );
  }
  return [...objects, ...brokersOf(spec).flatMap((b) => MONITORING_PARTS[b].k8s(spec, namespace))];
}

function yamlText(value: unknown): string {
  return yamlFile('x', value).contents;
}

// ---------------------------------------------------------------- the area

export function monitoringFiles(spec: StackSpec): GeneratedFile[] {
  const groups = alertGroups(spec);
  const brokers = brokersOf(spec);
  return [
    yamlFile(PATHS.prometheus, prometheusConfig(spec), `Prometheus for the docker compose stack (targets are compose services).\nCheck: promtool check config ${PATHS.prometheus}`),
    yamlFile(PATHS.prometheusK8s, prometheusConfig(spec, k8sNodes(spec.name)), 'Prometheus for Kubernetes without the Prometheus operator (pod and service DNS names in the namespace "' + spec.name + '").\nWith the operator, use monitoring/k8s/prometheus-operator.yml instead.'),
    ...groups.map((g) => yamlFile(PATHS.rules(g.name), rulesFile(g), `Alerts for ${g.broker ? BROKERS[g.broker].title : 'the monitoring stack'}; thresholds come from brokerplate.yaml (monitoring.thresholds).`)),
    ...groups.map((g) => yamlFile(PATHS.tests(g.name), ruleTestsFile(g), `promtool unit tests: each alert fires above its threshold and stays quiet at it.\nRun: promtool test rules ${PATHS.tests(g.name)}`)),
    yamlFile(PATHS.alertmanager, alertmanagerConfig(), ALERTMANAGER_HEADER),
    yamlFile(PATHS.datasource, grafanaDatasource()),
    yamlFile(PATHS.dashboardProvider, grafanaDashboardProvider(spec)),
    ...brokers.map((b) => jsonFile(PATHS.dashboard(b), dashboard(spec, b))),
    ...brokers.flatMap((b) => MONITORING_PARTS[b].files(spec)),
    multiDocYaml(PATHS.operator, prometheusOperatorObjects(spec, spec.name, k8sNodes(spec.name))),
  ];
}

/** Several YAML documents in one file (the operator objects). */
function multiDocYaml(path: string, docs: readonly unknown[]): GeneratedFile {
  return { path, contents: docs.map((d) => yamlText(d)).join('---\n') };
}

export const monitoringArea: Area = {
  id: 'monitoring',
  applies: (spec) => spec.monitoring.enabled,
  emit(spec): AreaOutput {
    const brokers = brokersOf(spec);
    const groups = alertGroups(spec);
    return {
      files: monitoringFiles(spec),
      readme: [
        {
          title: 'Monitoring',
          body: render('monitoring/README.md', {
            brokers: brokers.map((b) => ({ title: BROKERS[b].title, id: b, text: MONITORING_PARTS[b].readme(spec) })),
            alerts: groups.flatMap((g) => g.alerts.map((a) => ({ group: g.name, alert: a.alert, severity: a.severity, summary: a.summary.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, '<$1>') }))),
            t: spec.monitoring.thresholds,
            ports: MONITORING_PORTS,
            backup: spec.backup.enabled,
          }),
        },
      ],
      packageJson: {
        scripts: {
          'monitoring:check': 'promtool check config monitoring/prometheus/prometheus.yml && promtool test rules monitoring/prometheus/tests/*.test.yml && amtool check-config monitoring/alertmanager/alertmanager.yml',
        },
      },
      layout: [{ path: 'monitoring/', purpose: 'Prometheus (scrape config, alert rules and their promtool tests), Alertmanager, Grafana dashboards, exporter configs.' }],
    };
  },
};

/** The Kubernetes seam: listed in K8S_ADDONS in generators/emit/k8s.ts. */
export const monitoringK8sAddon: K8sAddon = {
  id: 'monitoring',
  applies: (spec) => spec.monitoring.enabled,
  objects: (spec, namespace, topology) => monitoringK8s(spec, namespace, topology),
  secrets: () => [...MONITORING_SECRETS],
  access: 'monitoring',
  description: 'Prometheus, Alertmanager, Grafana, the Pushgateway and the exporters (Kafka lag, Redis), with the generated rules and dashboards.',
};
