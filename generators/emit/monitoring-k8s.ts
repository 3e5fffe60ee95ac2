/**
 * The monitoring stack as Kubernetes objects for the Pulumi program (plain Deployments, or the
 * Prometheus operator's ServiceMonitors and PrometheusRules), plugged in through the K8sAddon seam.
 */
import { BROKER_PLUGINS } from '../brokers/index.ts';
import type { Topology } from '../brokers/topology.ts';
import { brokersOf, type StackSpec } from '../stack/index.ts';
import { IMAGES } from '../versions/images.ts';
import { yamlFile } from './files.ts';
import { IMAGE_UIDS, restrictedContainer, restrictedPod, stackSecretName, type K8sAddon, type K8sObject } from './k8s-model.ts';
import { alertmanagerConfig } from './monitoring-alertmanager.ts';
import { dashboard, grafanaDashboardProvider, grafanaDatasource } from './monitoring-grafana.ts';
import { authHealthcheckShell, k8sPasswordFiles, MONITORING_PRINCIPALS, monitoringAuth, operatorBasicAuth, WEB_CONFIG_KEY, WEB_CONFIG_MOUNT, webConfigSecret, type WebService } from './monitoring-auth.ts';
import { MONITORING_PORTS, MONITORING_SECRETS, type Naming } from './monitoring-model.ts';
import { k8sNodes, prometheusConfig, SCRAPE_CA_FILE, scrapeCaSecret, scrapeJobs, scrapeLogins } from './monitoring-prometheus.ts';
import { TLS_MOUNT } from './tls-model.ts';
import { alertGroups, rulesFile } from './monitoring-rules.ts';

/**
 * The Prometheus operator option: one ServiceMonitor per scrape job and one PrometheusRule per rule group.
 * prod: the program's Alertmanager and Pushgateway ask for Basic credentials, so their monitors
 * send the `prometheus` principal's (operatorBasicAuth: Secrets in the stack's namespace, which the
 * operator reads wherever its Prometheus runs). The operator's own Prometheus is the operator's to
 * secure (its `spec.web`); no monitor of it is generated.
 */
/** HTTPS to a pod IP: the certificate is checked for the Service's name, which every node's certificate carries. */
function operatorTls(caSecret: string, service: string, namespace: string): object {
  return { scheme: 'https', tlsConfig: { ca: { secret: { name: caSecret, key: 'ca.crt' } }, serverName: `${service}.${namespace}.svc` } };
}

export function prometheusOperatorObjects(spec: StackSpec, namespace: string, topology: Naming): K8sObject[] {
  const labels = { 'app.kubernetes.io/part-of': spec.name };
  const auth = monitoringAuth(spec);
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
        endpoints: [{ port: j.k8s.port, path: j.path ?? '/metrics', ...(j.params && { params: j.params }), ...(j.tls && operatorTls(j.tls.caSecret, j.k8s.service, namespace)), ...(j.honorLabels && { honorLabels: true }), ...(j.login && auth && { basicAuth: operatorBasicAuth(stackSecretName(spec), j.login) }), interval: '15s', relabelings: [{ targetLabel: 'job', replacement: j.job }] }],
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

type Container = Record<string, unknown>;

function httpProbe(path: string): object {
  return { httpGet: { path, port: 'web' }, periodSeconds: 15 };
}

/**
 * The probes of Prometheus, Alertmanager or the Pushgateway. prod: the exporter toolkit guards
 * every path once --web.config.file sets users (/-/healthy and /-/ready too; it has no
 * unauthenticated path), and an httpGet probe cannot read credentials from a file: its headers are
 * literal text in the pod spec, where no password may be. A tcpSocket probe would only prove the
 * port listens (Prometheus answers 503 on /-/ready until its TSDB is loaded). So the probes exec
 * compose's healthcheck: the image's busybox wget sends the `prometheus` principal's Basic
 * credentials, read from its password file at run time.
 */
function webProbes(spec: StackSpec, service: WebService, ready: string, live?: string): Container {
  if (!monitoringAuth(spec)) return { readinessProbe: httpProbe(ready), ...(live && { livenessProbe: httpProbe(live) }) };
  const exec = (path: string) => ({ exec: { command: ['sh', '-c', authHealthcheckShell(MONITORING_PORTS[service], path, '$')] }, periodSeconds: 15, timeoutSeconds: 5 });
  return { readinessProbe: exec(ready), ...(live && { livenessProbe: exec(live) }) };
}

/**
 * prod: the service asks for Basic credentials as under compose. Its web config (bcrypt hashes)
 * comes from the Secret `<service>-web-config`, which the Pulumi program fills from the
 * git-ignored secrets/monitoring/<service>-web.yml, mounted as a folder (no subPath), so a changed
 * hash reaches the pod (the toolkit reads the file at every request). The `prometheus`
 * principal's password is a file from the stack's Secret, at compose's path: Prometheus logs in
 * with it (prometheus.yml's password_file), and every probe does.
 */
function withWebAuth(spec: StackSpec, service: WebService, container: Container, volumes: unknown[]): [Container, unknown[]] {
  if (!monitoringAuth(spec)) return [container, volumes];
  // Prometheus also logs in to brokers' metrics endpoints that ask for it (RabbitMQ's monitor): those passwords beside its own.
  const passwords = k8sPasswordFiles(stackSecretName(spec), [MONITORING_PRINCIPALS.prometheus, ...(service === 'prometheus' ? scrapeLogins(spec) : [])], 'passwords');
  const dir = WEB_CONFIG_MOUNT.slice(0, WEB_CONFIG_MOUNT.lastIndexOf('/'));
  const mounts = Array.isArray(container.volumeMounts) ? container.volumeMounts : [];
  const args = Array.isArray(container.args) ? container.args : [];
  return [
    { ...container, args: [...args, `--web.config.file=${WEB_CONFIG_MOUNT}`], volumeMounts: [...mounts, { name: 'web-config', mountPath: dir, readOnly: true }, passwords.mount] },
    [...volumes, { name: 'web-config', secret: { secretName: webConfigSecret(service), defaultMode: 0o440, items: [{ key: WEB_CONFIG_KEY, path: WEB_CONFIG_MOUNT.slice(dir.length + 1) }] } }, passwords.volume],
  ];
}

/**
 * Grafana. prod: the admin password arrives as a file (GF_SECURITY_ADMIN_PASSWORD__FILE), and the
 * datasource's (`$__file{}` in the provisioning file) too, both from the stack's Secret; dev keeps
 * the environment variable.
 */
function grafanaLogin(spec: StackSpec): { env: object[]; mounts: object[]; volumes: object[] } {
  const admin = { env: 'GRAFANA_ADMIN_PASSWORD' };
  if (!monitoringAuth(spec)) return { env: [{ name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: stackSecretName(spec), key: admin.env } } }], mounts: [], volumes: [] };
  const files = k8sPasswordFiles(stackSecretName(spec), [admin, MONITORING_PRINCIPALS.grafana], 'passwords');
  return { env: [{ name: 'GF_SECURITY_ADMIN_PASSWORD__FILE', value: files.file(admin) }], mounts: [files.mount], volumes: [files.volume] };
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
  const probe = httpProbe;
  const resources = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { cpu: '1', memory } });
  const grafana = grafanaLogin(spec);
  const caSecret = scrapeCaSecret(spec);
  const objects: K8sObject[] = [
    configMap('prometheus-config', namespace, { 'prometheus.yml': yamlText(prometheusConfig(spec, k8sNodes(namespace, topology), monitoringAuth(spec))) }, spec),
    configMap('prometheus-rules', namespace, rules, spec),
    configMap('alertmanager-config', namespace, { 'alertmanager.yml': yamlText(alertmanagerConfig()) }, spec),
    configMap('grafana-provisioning', namespace, {
      'datasource.yml': yamlText(grafanaDatasource(`http://prometheus.${namespace}.svc:${P.prometheus}`, monitoringAuth(spec))),
      'dashboards.yml': yamlText(grafanaDashboardProvider(spec)),
    }, spec),
    configMap('grafana-dashboards', namespace, dashboards, spec),
    ...deployment(spec, namespace, 'prometheus', ...withWebAuth(spec, 'prometheus', {
      image: IMAGES.prometheus,
      args: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--storage.tsdb.retention.time=15d'],
      volumeMounts: [
        { name: 'config', mountPath: '/etc/prometheus/prometheus.yml', subPath: 'prometheus.yml' },
        { name: 'rules', mountPath: '/etc/prometheus/rules' },
        { name: 'data', mountPath: '/prometheus' },
        ...(caSecret ? [{ name: 'tls-ca', mountPath: TLS_MOUNT, readOnly: true }] : []),
      ],
      ...webProbes(spec, 'prometheus', '/-/ready', '/-/healthy'),
      resources: resources('100m', '512Mi'),
    }, [
      { name: 'config', configMap: { name: 'prometheus-config' } },
      { name: 'rules', configMap: { name: 'prometheus-rules' } },
      { name: 'data', emptyDir: {} },
      // The stack CA only (no key), from the first HTTPS target's cert-manager Secret.
      ...(caSecret ? [{ name: 'tls-ca', secret: { secretName: caSecret, items: [{ key: 'ca.crt', path: SCRAPE_CA_FILE.slice(TLS_MOUNT.length + 1) }] } }] : []),
    ]), P.prometheus),
    ...deployment(spec, namespace, 'alertmanager', ...withWebAuth(spec, 'alertmanager', {
      image: IMAGES.alertmanager,
      args: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager'],
      volumeMounts: [{ name: 'config', mountPath: '/etc/alertmanager' }, { name: 'data', mountPath: '/alertmanager' }],
      ...webProbes(spec, 'alertmanager', '/-/ready'),
      resources: resources('20m', '64Mi'),
    }, [{ name: 'config', configMap: { name: 'alertmanager-config' } }, { name: 'data', emptyDir: {} }]), P.alertmanager),
    ...deployment(spec, namespace, 'grafana', {
      image: IMAGES.grafana,
      env: [
        { name: 'GF_SECURITY_ADMIN_USER', value: 'admin' },
        ...grafana.env,
        { name: 'GF_USERS_ALLOW_SIGN_UP', value: 'false' },
      ],
      volumeMounts: [
        { name: 'provisioning', mountPath: '/etc/grafana/provisioning/datasources/prometheus.yml', subPath: 'datasource.yml' },
        { name: 'provisioning', mountPath: '/etc/grafana/provisioning/dashboards/brokerplate.yml', subPath: 'dashboards.yml' },
        { name: 'data', mountPath: '/var/lib/grafana' },
        { name: 'dashboards', mountPath: '/var/lib/grafana/dashboards' },
        { name: 'logs', mountPath: '/var/log/grafana' },
        { name: 'tmp', mountPath: '/tmp' },
        ...grafana.mounts,
      ],
      readinessProbe: probe('/api/health'),
      resources: resources('50m', '256Mi'),
    }, [
      { name: 'provisioning', configMap: { name: 'grafana-provisioning' } },
      { name: 'dashboards', configMap: { name: 'grafana-dashboards' } },
      { name: 'data', emptyDir: {} },
      { name: 'logs', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
      ...grafana.volumes,
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
      ...deployment(spec, namespace, 'pushgateway', ...withWebAuth(spec, 'pushgateway', {
        image: IMAGES.pushgateway,
        args: ['--persistence.file=/data/pushgateway.db', '--persistence.interval=1m'],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
        ...webProbes(spec, 'pushgateway', '/-/ready'),
        resources: resources('20m', '64Mi'),
      }, [{ name: 'data', persistentVolumeClaim: { claimName: 'pushgateway-data' } }]), P.pushgateway),
    );
  }
  return [...objects, ...brokersOf(spec).flatMap((b) => BROKER_PLUGINS[b].monitoring.k8s(spec, namespace))];
}

export function yamlText(value: unknown): string {
  return yamlFile('x', value).contents;
}

/** The Kubernetes seam: listed in K8S_ADDONS in generators/emit/k8s.ts. */
export const monitoringK8sAddon: K8sAddon = {
  id: 'monitoring',
  applies: (spec) => spec.monitoring.enabled,
  objects: (spec, namespace, topology) => monitoringK8s(spec, namespace, topology),
  secrets: () => [...MONITORING_SECRETS],
  access: 'monitoring',
  description: 'Prometheus, Alertmanager, Grafana, the Pushgateway and the exporters (Kafka lag, Redis), with the generated rules and dashboards.',
};
