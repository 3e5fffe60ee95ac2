/**
 * The shapes the monitoring and backup areas share with the broker modules: alert rules with
 * their own promtool fixtures, dashboard panels, scrape jobs, and the plain compose/Kubernetes
 * pieces the compose and Pulumi emitters can include. Data only; the area modules serialise it.
 */
import type { BrokerId } from '../guide/index.ts';
import type { StackSpec } from '../stack/index.ts';
import type { Topology } from '../brokers/topology.ts';
import type { ComposePart, ComposeService as BaseService, ServiceAdditions } from './compose-model.ts';
import type { GeneratedFile } from './files.ts';
import type { K8sObject } from './k8s-model.ts';

/** One input series of a promtool unit test (`values` in promtool's expanding notation, 1m apart). */
export interface TestSeries {
  readonly series: string;
  readonly values: string;
}

/** How an alert is proven: series that fire it and series just on the quiet side of the threshold. */
export interface AlertFixture {
  readonly firing: readonly TestSeries[];
  readonly quiet: readonly TestSeries[];
  /** Labels the firing alert carries besides `severity` and `broker` (what the expression keeps). */
  readonly labels: Readonly<Record<string, string>>;
  /** When to look, past the rule's `for` (e.g. `15m`). */
  readonly evalTime: string;
  /** Spacing of the input samples (default 1m); hour-scale alerts use coarser steps to stay fast. */
  readonly interval?: string;
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: 'warning' | 'critical';
  /** May use `{{ $labels.<name> }}` (never `$value`, so the expected text is known in tests). */
  readonly summary: string;
  /** What to do about it; same templating rule as `summary`. */
  readonly description: string;
  /** The broker label, for alerts in a group that is not a broker's own (backups). */
  readonly broker?: BrokerId;
  readonly test: AlertFixture;
}

export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
}

export interface Panel {
  readonly title: string;
  readonly description: string;
  /** Grafana unit id: `short`, `bytes`, `ms`, `percentunit`, `ops`. */
  readonly unit: string;
  readonly queries: readonly PanelQuery[];
}

/** How hosts are named: broker nodes (the compose/Kubernetes Topology) and single services. */
export interface Naming extends Topology {
  /** `prometheus`, `redis-exporter`, ...: the compose service name, or `<name>.<namespace>.svc`. */
  service(name: string): string;
}

/** A scrape target: a compose service name (or Kubernetes Service) and port. */
export interface ScrapeTarget {
  readonly host: string;
  readonly port: number;
}

/** A principal Prometheus logs in as (prod), password from `.env` / the stack's Secret (a MonitoringPrincipal is one). */
export interface ScrapeLogin {
  readonly user: string;
  readonly env: string;
}

export interface ScrapeJob {
  readonly job: string;
  readonly path?: string;
  readonly params?: Readonly<Record<string, readonly string[]>>;
  /** Where the exporter listens. */
  readonly targets: readonly ScrapeTarget[];
  /**
   * Multi-target exporters (redis_exporter's `/scrape?target=`): the addresses the exporter is
   * asked to probe; `targets` then holds the exporter itself.
   */
  readonly probe?: readonly string[];
  readonly honorLabels?: boolean;
  /**
   * The target serves HTTPS (prod): Prometheus checks its certificate against the stack CA, by the
   * target's host name (the Service's name behind the operator). `caSecret`: the cert-manager
   * Secret whose `ca.crt` Kubernetes mounts (every Secret of the stack's issuer holds the same CA).
   */
  readonly tls?: { readonly caSecret: string };
  /**
   * prod: the target asks for Basic credentials: the `prometheus` principal for the stack's own
   * monitoring services (their --web.config.file, monitoring-auth.ts), a broker principal for a
   * broker's endpoint that asks for one (RabbitMQ's `monitor`).
   */
  readonly login?: ScrapeLogin;
  /** The Kubernetes Service (and named port) the ServiceMonitor selects. */
  readonly k8s: { readonly service: string; readonly port: string };
}

/**
 * Compose pieces use the compose area's model (generators/emit/compose.ts), so the monitoring and
 * backup areas plug in through its addon seam (composeAddons()).
 */
export type ComposeService = BaseService;

/** What an addon returns: its services, volumes and files, and additions to the brokers' services. */
export type ComposePieces = ComposePart & { readonly extend?: Readonly<Record<string, ServiceAdditions>> };

/** A broker's part of monitoring: generators/brokers/<broker>/monitoring.ts. */
export interface MonitoringPart {
  readonly broker: BrokerId;
  /** The guide's Monitoring table row this part covers, each with the alerts and panels that show it. */
  readonly covers: readonly string[];
  /** How many broker nodes run under docker compose: they name its scrape targets (`<broker>-<n>` when several). */
  composeNodes(spec: StackSpec): number;
  /**
   * PromQL that is true while the exporter is up but cannot reach its broker (it joins the
   * broker's TargetDown alert with `or`); absent when the exporter goes down with its broker.
   */
  readonly unreachable?: string;
  /** Scrape jobs; `naming` names the broker nodes and the exporter services (compose or Kubernetes). */
  jobs(spec: StackSpec, naming: Naming): ScrapeJob[];
  alerts(spec: StackSpec): AlertRule[];
  panels(spec: StackSpec): Panel[];
  /** Exporter configuration files (e.g. the JMX exporter rules). */
  files(spec: StackSpec): GeneratedFile[];
  /** Exporter services for compose, and what the broker services need (the brokers belong to the compose area). */
  compose(spec: StackSpec, brokers: Readonly<Record<string, BaseService>>): ComposePieces;
  /** Exporter workloads for Kubernetes. */
  k8s(spec: StackSpec, namespace: string): K8sObject[];
  /** README prose: where the metrics come from. */
  readme(spec: StackSpec): string;
}

/** The metric every scheduled backup pushes on success (to the Pushgateway), per broker and job. */
export const BACKUP_METRIC = 'brokerplate_backup_last_success_timestamp_seconds';
/** The Pushgateway grouping key's job (`/metrics/job/<job>/broker/<b>/backup/<name>`). */
export const BACKUP_PUSH_JOB = 'brokerplate_backup';

/** Where the monitoring services listen inside the stack (compose service names double as hosts). */
export const MONITORING_PORTS = {
  prometheus: 9090,
  alertmanager: 9093,
  grafana: 3000,
  pushgateway: 9091,
  kafkaJmx: 7071,
  kafkaLag: 9308,
  redisExporter: 9121,
} as const;

/** Secrets the monitoring services need in .env (Grafana's admin); the brokers declare their own. */
export const MONITORING_SECRETS = [{ env: 'GRAFANA_ADMIN_PASSWORD', description: 'Password of the Grafana "admin" user' }] as const;

export const ALERT_LABELS = ['severity', 'broker'] as const;

/** The PromQL keywords and functions an identifier scan must skip. */
const PROMQL_WORDS = new Set([
  'and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan',
]);

/**
 * The metric names a PromQL expression reads. Good enough for the expressions this generator
 * writes: strings, label matchers, grouping clauses and ranges are removed first; what is left
 * that is neither a function call, a keyword nor a number is a metric name.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = m[0];
    const rest = stripped.slice((m.index ?? 0) + word.length);
    if (/^\s*\(/.test(rest) || PROMQL_WORDS.has(word.toLowerCase())) continue;
    if (/^[0-9]/.test(word)) continue;
    names.add(word);
  }
  return [...names].sort();
}
