/**
 * prometheus.yml for compose and for Kubernetes without the operator: the scrape jobs of the
 * monitoring services and of every broker's exporters, with the hosts named per target.
 */
import { BROKER_PLUGINS } from '../brokers/index.ts';
import { composeTopology, type Topology } from '../brokers/topology.ts';
import { brokersOf, type StackSpec } from '../stack/index.ts';
import { k8sTopology } from './k8s-model.ts';
import { TLS_FILES } from './tls-model.ts';
import { MONITORING_PRINCIPALS, monitoringAuth, passwordFile, prometheusBasicAuth, scrapeUserKey } from './monitoring-auth.ts';
import { MONITORING_PORTS, type Naming, type ScrapeJob, type ScrapeLogin } from './monitoring-model.ts';

/** The compose naming: one service per broker node (`<group>-<n>` when there are several), services by name. */
export function composeNodes(spec: StackSpec): Naming {
  const topology = composeTopology(Object.fromEntries(brokersOf(spec).map((b) => [b, BROKER_PLUGINS[b].monitoring.composeNodes(spec)])));
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

/** Scrape jobs of the whole stack: monitoring services first, then the brokers' exporters. */
export function scrapeJobs(spec: StackSpec, topology: Naming): ScrapeJob[] {
  const own: ScrapeJob[] = [
    { job: 'prometheus', targets: [{ host: 'localhost', port: MONITORING_PORTS.prometheus }], login: MONITORING_PRINCIPALS.prometheus, k8s: { service: 'prometheus', port: 'web' } },
    { job: 'alertmanager', targets: [{ host: topology.service('alertmanager'), port: MONITORING_PORTS.alertmanager }], login: MONITORING_PRINCIPALS.prometheus, k8s: { service: 'alertmanager', port: 'web' } },
  ];
  if (spec.backup.enabled) {
    own.push({ job: 'pushgateway', targets: [{ host: topology.service('pushgateway'), port: MONITORING_PORTS.pushgateway }], honorLabels: true, login: MONITORING_PRINCIPALS.prometheus, k8s: { service: 'pushgateway', port: 'web' } });
  }
  return [...own, ...brokersOf(spec).flatMap((b) => BROKER_PLUGINS[b].monitoring.jobs(spec, topology))];
}

/**
 * Where Prometheus finds the stack CA to check HTTPS targets with (compose: secrets/tls/ca.crt
 * bind-mounted; Kubernetes: `ca.crt` of the job's cert-manager Secret), the same path in both.
 */
export const SCRAPE_CA_FILE = TLS_FILES.ca;

/** The cert-manager Secret whose CA the Kubernetes Prometheus mounts, when some target serves HTTPS. */
export function scrapeCaSecret(spec: StackSpec): string | undefined {
  return scrapeJobs(spec, composeNodes(spec)).find((j) => j.tls)?.tls?.caSecret;
}

/**
 * The broker principals Prometheus logs in as (prod), once each, besides its own `prometheus`
 * (whose password every authenticating monitoring service already mounts): their password files go into its container.
 */
export function scrapeLogins(spec: StackSpec): ScrapeLogin[] {
  if (!monitoringAuth(spec)) return [];
  const own = MONITORING_PRINCIPALS.prometheus.env;
  const byEnv = new Map(scrapeJobs(spec, composeNodes(spec)).flatMap((j) => (j.login && j.login.env !== own ? [[j.login.env, j.login] as const] : [])));
  return [...byEnv.values()];
}

/** SCRAPE_USER_SECRET's data: each login's user name under scrapeUserKey() (the operator's basicAuth takes names from Secret keys). */
export function scrapeUsernames(spec: StackSpec): Record<string, string> {
  return Object.fromEntries([MONITORING_PRINCIPALS.prometheus, ...scrapeLogins(spec)].map((l) => [scrapeUserKey(l), l.user]));
}

function staticScrapeConfig(job: ScrapeJob, auth: boolean): object {
  const base = {
    job_name: job.job,
    // The target's host name is what the certificate is checked for (the nodes' certificates carry them).
    ...(job.tls && { scheme: 'https', tls_config: { ca_file: SCRAPE_CA_FILE } }),
    ...(job.path && { metrics_path: job.path }),
    ...(job.params && { params: job.params }),
    ...(job.honorLabels && { honor_labels: true }),
    ...(auth && job.login && { basic_auth: { username: job.login.user, password_file: passwordFile(job.login) } }),
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
 * pod DNS names for broker nodes, `<service>.<namespace>.svc` for the rest). With `auth` (prod,
 * compose and Kubernetes), Prometheus logs in to itself, Alertmanager and the Pushgateway as
 * `prometheus`, its password read from a file at the same path in both: the compose secret, or
 * the stack Secret's key mounted there (monitoring-k8s.ts).
 *
 * Prometheus 3 defaults this file relies on, checked with promtool 3.16: UTF-8 metric and label
 * names are accepted (every name here is also a legacy one, so no escaping is negotiated); a
 * target whose Content-Type is missing or unknown fails its scrape unless the job sets
 * `fallback_scrape_protocol`: none is set, as every exporter scraped here (the Prometheus
 * project's servers, the JMX agent, RabbitMQ's plugin, redis_exporter, kafka_exporter) sends
 * the text format's Content-Type.
 */
export function prometheusConfig(spec: StackSpec, naming: Naming = composeNodes(spec), auth = monitoringAuth(spec)): object {
  const alertmanager = { static_configs: [{ targets: [`${naming.service('alertmanager')}:${MONITORING_PORTS.alertmanager}`] }] };
  return {
    global: { ...GLOBAL, external_labels: { stack: spec.name } },
    rule_files: ['rules/*.yml'],
    alerting: { alertmanagers: [auth ? { basic_auth: prometheusBasicAuth(), ...alertmanager } : alertmanager] },
    scrape_configs: scrapeJobs(spec, naming).map((j) => staticScrapeConfig(j, auth)),
  };
}
