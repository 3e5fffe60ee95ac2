/** Grafana: the Prometheus datasource, the dashboard provider and one dashboard per broker. */
import { BROKER_PLUGINS } from '../brokers/index.ts';
import { BROKERS, MONITORING_METRICS, type BrokerId } from '../guide/index.ts';
import { promDuration, type StackSpec } from '../stack/index.ts';
import { scheduledBackups } from './backup.ts';
import { MONITORING_PRINCIPALS, passwordFile } from './monitoring-auth.ts';
import { BACKUP_METRIC, MONITORING_PORTS, type Panel } from './monitoring-model.ts';
import { jobNames } from './monitoring-rules.ts';

export const DATASOURCE_UID = 'prometheus';

/**
 * The dashboard JSON schema version of the pinned Grafana (grafana/grafana in versions/images.ts):
 * `defaultDashboard.schemaVersion` of @grafana/schema at the same version, which
 * test/monitoring/grafana-schema.test.ts compares and type-checks every dashboard against. An
 * older number makes Grafana migrate the dashboard at every load.
 */
export const GRAFANA_SCHEMA_VERSION = 42;

/**
 * The provisioned Prometheus datasource. With `auth` (compose prod) it logs in as `grafana`, the
 * password read by Grafana's provisioning from the compose secret's file (`$__file{}` expansion,
 * which provisioning values support like grafana.ini), so the file holds no secret.
 */
export function grafanaDatasource(url = `http://prometheus:${MONITORING_PORTS.prometheus}`, auth = false): object {
  const grafana = MONITORING_PRINCIPALS.grafana;
  const basicAuth = auth ? { basicAuth: true, basicAuthUser: grafana.user, secureJsonData: { basicAuthPassword: `$__file{${passwordFile(grafana)}}` } } : {};
  return {
    apiVersion: 1,
    datasources: [{ name: 'Prometheus', type: 'prometheus', uid: DATASOURCE_UID, access: 'proxy', url, isDefault: true, editable: false, ...basicAuth }],
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
      description: `Seconds since each scheduled backup last succeeded; alerts after ${promDuration(spec.monitoring.thresholds.backupMaxAgeHours)}.`,
      unit: 's',
      queries: [{ expr: `time() - ${BACKUP_METRIC}{broker="${broker}"}`, legend: '{{backup}}' }],
    });
  }
  return panels;
}

export function dashboardPanels(spec: StackSpec, broker: BrokerId): Panel[] {
  return [...BROKER_PLUGINS[broker].monitoring.panels(spec), ...sharedPanels(spec, broker)];
}

export function dashboard(spec: StackSpec, broker: BrokerId): object {
  const datasource = { type: 'prometheus', uid: DATASOURCE_UID };
  return {
    uid: `brokerplate-${broker}`,
    title: `${BROKERS[broker].title} — ${spec.name}`,
    description: `The guide's key metrics for ${BROKERS[broker].title}: ${MONITORING_METRICS[broker].join(', ')}.`,
    tags: ['brokerplate', broker],
    timezone: 'browser',
    schemaVersion: GRAFANA_SCHEMA_VERSION,
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
      options: { legend: { calcs: [], displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
      targets: p.queries.map((q, j) => ({ refId: String.fromCharCode(65 + j), datasource, expr: q.expr, legendFormat: q.legend })),
    })),
  };
}
