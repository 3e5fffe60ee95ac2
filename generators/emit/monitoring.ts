/**
 * The monitoring area: Prometheus (scrape config for compose and for Kubernetes, alert rules and
 * their promtool unit tests), Alertmanager, Grafana (datasource + one dashboard per broker) and
 * the exporters. Each broker's part (generators/brokers/<b>/monitoring.ts) supplies its jobs,
 * alerts and panels; the modules beside this one build what each consumer reads
 * (monitoring-prometheus, -rules, -alertmanager, -grafana) and the compose services and
 * Kubernetes objects (monitoring-compose, -k8s); this one writes the files.
 */
import { BROKER_PLUGINS } from '../brokers/index.ts';
import { BROKERS, type BrokerId } from '../guide/index.ts';
import { brokersOf, type StackSpec } from '../stack/index.ts';
import type { Area, AreaOutput } from './area.ts';
import { jsonFile, yamlFile, type GeneratedFile } from './files.ts';
import { ALERTMANAGER_HEADER, alertmanagerConfig } from './monitoring-alertmanager.ts';
import { monitoringAuth, monitoringAuthSecrets, webServices, webUsers } from './monitoring-auth.ts';
import { dashboard, grafanaDashboardProvider, grafanaDatasource } from './monitoring-grafana.ts';
import { prometheusOperatorObjects, yamlText } from './monitoring-k8s.ts';
import { MONITORING_PORTS } from './monitoring-model.ts';
import { k8sNodes, prometheusConfig } from './monitoring-prometheus.ts';
import { alertGroups, ruleTestsFile, rulesFile } from './monitoring-rules.ts';
import { render } from './render.ts';

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

export function monitoringFiles(spec: StackSpec): GeneratedFile[] {
  const groups = alertGroups(spec);
  const brokers = brokersOf(spec);
  return [
    yamlFile(PATHS.prometheus, prometheusConfig(spec), `Prometheus for the docker compose stack (targets are compose services).\nCheck: promtool check config ${PATHS.prometheus}`),
    yamlFile(PATHS.prometheusK8s, prometheusConfig(spec, k8sNodes(spec.name), monitoringAuth(spec)), 'Prometheus for Kubernetes without the Prometheus operator (pod and service DNS names in the namespace "' + spec.name + '").\nWith the operator, use monitoring/k8s/prometheus-operator.yml instead.'),
    ...groups.map((g) => yamlFile(PATHS.rules(g.name), rulesFile(g), `Alerts for ${g.broker ? BROKERS[g.broker].title : 'the monitoring stack'}; thresholds come from brokerplate.yaml (monitoring.thresholds).`)),
    ...groups.map((g) => yamlFile(PATHS.tests(g.name), ruleTestsFile(g), `promtool unit tests: each alert fires above its threshold and stays quiet at it.\nRun: promtool test rules ${PATHS.tests(g.name)}`)),
    yamlFile(PATHS.alertmanager, alertmanagerConfig(), ALERTMANAGER_HEADER),
    yamlFile(PATHS.datasource, grafanaDatasource(undefined, monitoringAuth(spec))),
    yamlFile(PATHS.dashboardProvider, grafanaDashboardProvider(spec)),
    ...brokers.map((b) => jsonFile(PATHS.dashboard(b), dashboard(spec, b))),
    ...brokers.flatMap((b) => BROKER_PLUGINS[b].monitoring.files(spec)),
    multiDocYaml(PATHS.operator, prometheusOperatorObjects(spec, spec.name, k8sNodes(spec.name))),
  ];
}

const PURPOSE: Readonly<Record<string, string>> = {
  admin: 'people: UIs, APIs, amtool, silences',
  prometheus: 'scrapes (itself too), sends alerts, healthchecks',
  grafana: "the datasource's queries",
  backup: 'backup jobs push their success time',
};

/** The README's table of monitoring logins (prod). */
function authPrincipals(spec: StackSpec): { user: string; env: string; services: string; purpose: string }[] {
  const title = { prometheus: 'Prometheus', alertmanager: 'Alertmanager', pushgateway: 'Pushgateway' } as const;
  return monitoringAuthSecrets(spec).map((p) => ({
    user: p.user,
    env: p.env,
    services: webServices(spec).filter((s) => webUsers(spec, s).some((u) => u.user === p.user)).map((s) => title[s]).join(', '),
    purpose: PURPOSE[p.user] ?? '',
  }));
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
            brokers: brokers.map((b) => ({ title: BROKERS[b].title, id: b, text: BROKER_PLUGINS[b].monitoring.readme(spec) })),
            alerts: groups.flatMap((g) => g.alerts.map((a) => ({ group: g.name, alert: a.alert, severity: a.severity, summary: a.summary.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, '<$1>') }))),
            t: spec.monitoring.thresholds,
            ports: MONITORING_PORTS,
            backup: spec.backup.enabled,
            auth: monitoringAuth(spec),
            principals: authPrincipals(spec),
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
