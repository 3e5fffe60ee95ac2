/**
 * The alert rules (one group per broker, stale backups, the monitoring stack itself) and their
 * promtool unit tests. Each broker's own alerts come from generators/brokers/<b>/monitoring.ts;
 * this module adds what every broker shares and serialises both files as objects.
 */
import { BROKER_PLUGINS } from '../brokers/index.ts';
import { BROKERS, type BrokerId } from '../guide/index.ts';
import { brokersOf, promDuration, type StackSpec } from '../stack/index.ts';
import { scheduledBackups } from './backup.ts';
import { BACKUP_METRIC, BACKUP_PUSH_JOB, type AlertRule } from './monitoring-model.ts';
import { composeNodes } from './monitoring-prometheus.ts';

/** Jobs of a broker, for its TargetDown alert. */
export function jobNames(spec: StackSpec, broker: BrokerId): string[] {
  return BROKER_PLUGINS[broker].monitoring.jobs(spec, composeNodes(spec)).map((j) => j.job);
}

function targetDown(spec: StackSpec, broker: BrokerId): AlertRule {
  const jobs = jobNames(spec, broker);
  // Exporters that stay up while their broker is unreachable say so in a metric of their own.
  const unreachable = BROKER_PLUGINS[broker].monitoring.unreachable;
  const inner = unreachable ? ` or ${unreachable}` : '';
  const title = BROKERS[broker].title;
  const sample = jobs[0] ?? broker;
  return {
    alert: `${BROKER_PLUGINS[broker].names.className}TargetDown`,
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
  // An exact Prometheus duration: the spec only allows whole minutes (1.5 → 1h30m).
  const age = promDuration(hours);
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
        summary: `The last ${title} ${backup} backup is older than ${age}`,
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
        for: age,
        severity: 'warning',
        broker,
        summary: `No ${title} ${backup} backup was recorded in ${age}`,
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
    ...brokers.map((broker) => ({ name: broker, broker, alerts: [...BROKER_PLUGINS[broker].monitoring.alerts(spec), targetDown(spec, broker)] })),
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
