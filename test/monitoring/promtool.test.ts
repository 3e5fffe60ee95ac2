/**
 * The generated monitoring config judged by the real tools: promtool (config, rules, unit tests)
 * and amtool, for every scenario in both profiles; plus the parts promtool cannot see (coverage
 * of the guide's Monitoring table, thresholds from the spec, dashboards).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { MONITORING_METRICS } from '../../generators/guide/index.ts';
import { DATASOURCE_UID } from '../../generators/emit/monitoring-grafana.ts';
import { monitoringK8s, prometheusOperatorObjects } from '../../generators/emit/monitoring-k8s.ts';
import { BROKER_PLUGINS } from '../../generators/brokers/index.ts';
import { k8sNodes } from '../../generators/emit/monitoring-prometheus.ts';
import { alertGroups } from '../../generators/emit/monitoring-rules.ts';
import { PATHS, monitoringArea } from '../../generators/emit/monitoring.ts';
import { schemaFindings } from '../k8s/support/checks.ts';
import { fileObject, type Obj } from '../k8s/support/objects.ts';
import { metricNames } from '../../generators/emit/monitoring-model.ts';
import { brokersOf } from '../../generators/stack/index.ts';
import { ALL_CASES, opsSpec, scratchDirs, tool, writeFiles } from '../support/ops.ts';
import { toolPath } from '../support/tools.ts';

const tempDir = scratchDirs();

interface RuleFile {
  groups: { name: string; rules: { alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[];
}
interface Dashboard {
  uid: string;
  panels: { id: number; datasource: { uid: string }; targets: { expr: string; refId: string }[] }[];
}

function emitTo(dir: string, spec: ReturnType<typeof opsSpec>): string[] {
  const out = monitoringArea.emit(spec);
  writeFiles(dir, out.files);
  return out.files.map((f) => f.path);
}

describe.each(ALL_CASES)('monitoring for $scenario ($profile)', ({ scenario, profile }) => {
  const spec = opsSpec(scenario, profile);
  const dir = tempDir('brokerplate-mon-');
  const paths = emitTo(dir, spec);
  const tests = paths.filter((p) => p.startsWith('monitoring/prometheus/tests/'));
  const rules = paths.filter((p) => p.startsWith('monitoring/prometheus/rules/'));

  it('promtool accepts the compose and Kubernetes scrape configs (with their rule files)', () => {
    for (const config of ['monitoring/prometheus/prometheus.yml', 'monitoring/prometheus/prometheus.k8s.yml']) {
      const r = tool(toolPath('promtool'), ['check', 'config', config], { cwd: dir });
      expect(r.out).toContain(`SUCCESS: ${rules.length} rule files found`);
      expect(r.status, r.out).toBe(0);
    }
  });

  it('the Kubernetes program\'s ConfigMap holds prometheus.k8s.yml\'s scrape config (promtool\'s verdict covers it); prod: Prometheus logs in to itself, Alertmanager and the Pushgateway with a password_file', () => {
    const map = monitoringK8s(spec, spec.name).find((o) => o.kind === 'ConfigMap' && (o.metadata as { name: string }).name === 'prometheus-config') as { data: Record<string, string> } | undefined;
    const program = parse(map?.data['prometheus.yml'] ?? '') as { scrape_configs: { job_name: string; basic_auth?: object }[]; alerting: { alertmanagers: { basic_auth?: object }[] } };
    expect(program).toEqual(parse(readFileSync(join(dir, PATHS.prometheusK8s), 'utf8')));
    const login = profile === 'prod' ? { username: 'prometheus', password_file: '/run/secrets/prometheus_password' } : undefined;
    const own = program.scrape_configs.filter((j) => ['prometheus', 'alertmanager', 'pushgateway'].includes(j.job_name));
    expect(own.length).toBe(spec.backup.enabled ? 3 : 2);
    for (const j of own) expect(j.basic_auth, j.job_name).toEqual(login);
    expect(program.alerting.alertmanagers[0]?.basic_auth).toEqual(login);
  });

  it('promtool checks the rules, and every alert fires above its threshold and stays quiet at it', () => {
    const check = tool(toolPath('promtool'), ['check', 'rules', ...rules], { cwd: dir });
    expect(check.status, check.out).toBe(0);
    const run = tool(toolPath('promtool'), ['test', 'rules', ...tests], { cwd: dir });
    expect(run.status, run.out).toBe(0);
    expect(run.out).not.toContain('FAILED');
    // one firing and one quiet test per alert
    for (const t of tests) {
      const file = parse(readFileSync(join(dir, t), 'utf8')) as { rule_files: string[]; tests: { name: string }[] };
      const ruleFile = parse(readFileSync(join(dir, 'monitoring/prometheus/tests', file.rule_files[0] ?? ''), 'utf8')) as RuleFile;
      const alerts = ruleFile.groups.flatMap((g) => g.rules.map((r) => (g.name === 'backup' ? `${r.alert} (${r.labels.broker})` : r.alert)));
      expect(alerts.length).toBeGreaterThan(0);
      expect(file.tests.map((x) => x.name).sort()).toEqual(alerts.flatMap((a) => [`${a} fires`, `${a} stays quiet`]).sort());
    }
  });

  it('amtool accepts the Alertmanager config, whose only receiver is the placeholder to replace', () => {
    const r = tool(toolPath('amtool'), ['check-config', 'monitoring/alertmanager/alertmanager.yml'], { cwd: dir });
    expect(r.status, r.out).toBe(0);
    const am = parse(readFileSync(join(dir, 'monitoring/alertmanager/alertmanager.yml'), 'utf8')) as { receivers: { name: string }[] };
    expect(am.receivers.map((x) => x.name)).toEqual(['replace-me']);
  });

  it("covers the guide's Monitoring table, target down and stale backups for each broker", () => {
    for (const broker of brokersOf(spec)) {
      expect([...BROKER_PLUGINS[broker].monitoring.covers]).toEqual([...MONITORING_METRICS[broker]]);
      const group = alertGroups(spec).find((g) => g.name === broker);
      const names = group?.alerts.map((a) => a.alert) ?? [];
      expect(names).toContain(`${broker === 'rabbitmq' ? 'Rabbitmq' : broker[0]?.toUpperCase() + broker.slice(1)}TargetDown`);
      const backups = broker === 'redis' && spec.brokers.redis?.persistence === 'none' ? 0 : 1;
      const stale = alertGroups(spec).find((g) => g.name === 'backup')?.alerts.filter((a) => a.alert === 'BackupStale' && a.broker === broker) ?? [];
      expect(stale).toHaveLength(backups);
    }
  });

  it('dashboards parse, use the provisioned datasource, and every query is valid PromQL', () => {
    const ds = parse(readFileSync(join(dir, 'monitoring/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: { uid: string }[] };
    expect(ds.datasources[0]?.uid).toBe(DATASOURCE_UID);
    const exprs: string[] = [];
    for (const broker of brokersOf(spec)) {
      const d = JSON.parse(readFileSync(join(dir, `monitoring/grafana/dashboards/${broker}.json`), 'utf8')) as Dashboard;
      expect(d.uid).toBe(`brokerplate-${broker}`);
      expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
      for (const p of d.panels) {
        expect(p.datasource.uid).toBe(DATASOURCE_UID);
        expect(p.targets.length).toBeGreaterThan(0);
        exprs.push(...p.targets.map((t) => t.expr));
      }
    }
    // promtool has no expression checker: a recording rule per query makes `check rules` parse each one.
    const check = join(dir, 'panel-queries.yml');
    writeFileSync(check, JSON.stringify({ groups: [{ name: 'panels', rules: exprs.map((expr, i) => ({ record: `panel:query${i}`, expr })) }] }));
    const r = tool(toolPath('promtool'), ['check', 'rules', check]);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain(`SUCCESS: ${exprs.length} rules found`);
  });
});

describe('kafka_exporter replaces the hand-written lag exporter', () => {
  /**
   * The documented families and labels (README of danielqsj/kafka_exporter, "Consumer Groups"):
   * kafka_exporter cannot run here (the Go module proxy refuses github.com/danielqsj/kafka_exporter
   * with 403), so the lag rule is proven by promtool's series tests above and by these names.
   */
  const DOCUMENTED = { kafka_consumergroup_lag: ['consumergroup', 'topic', 'partition'], kafka_consumergroup_lag_sum: ['consumergroup', 'topic'], kafka_consumergroup_current_offset: ['consumergroup', 'topic', 'partition'] } as const;

  it('NOT RUN (no build of kafka_exporter here): the lag alert and panel use only its documented metric and label names', () => {
    const spec = opsSpec('hybrid', 'prod');
    const rule = alertGroups(spec).find((g) => g.name === 'kafka')?.alerts.find((a) => a.alert === 'KafkaConsumerLagHigh');
    const panel = BROKER_PLUGINS.kafka.monitoring.panels(spec).find((p) => p.title.startsWith('Consumer lag'));
    for (const expr of [rule?.expr ?? '', ...(panel?.queries.map((q) => q.expr) ?? [])]) {
      const families = [...expr.matchAll(/\b(kafka_consumergroup_[a-z_]+)\b/g)].map((m) => m[1] ?? '');
      expect(families.length, expr).toBeGreaterThan(0);
      for (const f of families) expect(Object.keys(DOCUMENTED), expr).toContain(f);
      const by = /by \(([^)]*)\)/.exec(expr)?.[1]?.split(',').map((l) => l.trim()) ?? [];
      for (const label of by) expect(DOCUMENTED.kafka_consumergroup_lag as readonly string[], expr).toContain(label);
    }
    expect(rule?.summary).toContain('{{ $labels.consumergroup }}');
  });

  it('the exporter logs in as monitor over SASL_SSL with the stack CA in prod (compose and Kubernetes), plain in dev; no lag-exporter script is emitted', async () => {
    const { monitoringCompose } = await import('../../generators/emit/monitoring-compose.ts');
    const brokers = { 'kafka-1': {}, 'kafka-2': {}, 'kafka-3': {}, 'kafka-init': {} } as never;
    const prod = monitoringCompose(opsSpec('event-streaming', 'prod'), brokers).services['kafka-exporter'];
    const flags = (prod?.entrypoint ?? []).join(' ');
    expect(flags).toContain('--sasl.enabled --sasl.mechanism=scram-sha512 --sasl.username=monitor --tls.enabled --tls.ca-file=/etc/brokerplate/tls/ca.crt');
    expect(flags).toContain('--kafka.server=kafka-1:19092 --kafka.server=kafka-2:19092 --kafka.server=kafka-3:19092');
    expect(flags).toContain('password="$$(cat /run/secrets/kafka_monitor_password)"');
    expect(prod?.secrets).toEqual([{ source: 'kafka_monitor_password', target: '/run/secrets/kafka_monitor_password' }]);
    expect(prod?.depends_on?.['kafka-init']).toEqual({ condition: 'service_completed_successfully' });
    expect(Object.keys(prod?.environment ?? {})).toEqual([]);
    const dev = monitoringCompose(opsSpec('event-streaming', 'dev'), { kafka: {} } as never).services['kafka-exporter'];
    expect(dev?.entrypoint?.[0]).toBe('/bin/kafka_exporter');
    expect((dev?.entrypoint ?? []).join(' ')).not.toContain('sasl');
    const deploy = BROKER_PLUGINS.kafka.monitoring.k8s(opsSpec('event-streaming', 'prod'), 'ns').find((o) => o.kind === 'Deployment') as Obj | undefined;
    expect(JSON.stringify(deploy)).toContain('"key":"KAFKA_MONITOR_PASSWORD","path":"kafka_monitor_password"');
    expect(monitoringArea.emit(opsSpec('hybrid', 'prod')).files.map((f) => f.path).filter((p) => p.includes('lag-exporter'))).toEqual([]);
  });
});

describe('monitoring thresholds and failure detection', () => {
  it('thresholds come from the spec: changed values land in the rules, and the emitted tests follow them', () => {
    const spec = opsSpec('hybrid', 'prod', (raw) => {
      raw.monitoring.thresholds.kafkaConsumerLag = 250;
      raw.monitoring.thresholds.rabbitmqQueueDepth = 42;
      raw.monitoring.thresholds.redisHitRatio = 0.5;
      // Hourly backups, so a stale-backup alert after 1.5 hours is meaningful: it becomes for: 1h30m.
      raw.backup.schedule = '0 * * * *';
      raw.monitoring.thresholds.backupMaxAgeHours = 1.5;
    });
    const dir = tempDir('brokerplate-mon-');
    const paths = emitTo(dir, spec);
    const kafka = parse(readFileSync(join(dir, 'monitoring/prometheus/rules/kafka.yml'), 'utf8')) as RuleFile;
    expect(kafka.groups[0]?.rules.find((r) => r.alert === 'KafkaConsumerLagHigh')?.expr).toBe('sum by (consumergroup, topic) (kafka_consumergroup_lag) > 250');
    const backup = parse(readFileSync(join(dir, 'monitoring/prometheus/rules/backup.yml'), 'utf8')) as RuleFile;
    const stale = backup.groups[0]?.rules.filter((r) => r.alert === 'BackupStale') ?? [];
    expect(stale.map((r) => r.labels.broker).sort()).toEqual(['kafka', 'rabbitmq', 'redis']);
    for (const r of stale) expect(r.expr).toMatch(/ > 5400$/);
    expect(backup.groups[0]?.rules.filter((r) => r.alert === 'BackupNeverRecorded').map((r) => r.for)).toEqual(['1h30m', '1h30m', '1h30m']);
    const rabbit = readFileSync(join(dir, 'monitoring/prometheus/rules/rabbitmq.yml'), 'utf8');
    expect(rabbit).toContain('(rabbitmq_detailed_queue_messages_ready) > 42');
    expect(readFileSync(join(dir, 'monitoring/prometheus/rules/redis.yml'), 'utf8')).toContain('< 0.5 and');
    const run = tool(toolPath('promtool'), ['test', 'rules', ...paths.filter((p) => p.includes('/tests/'))], { cwd: dir });
    expect(run.status, run.out).toBe(0);
  });

  it('the emitted unit tests catch a rule that drifts from its threshold (promtool fails)', () => {
    const spec = opsSpec('hybrid', 'prod');
    const dir = tempDir('brokerplate-mon-');
    emitTo(dir, spec);
    const file = join(dir, 'monitoring/prometheus/rules/kafka.yml');
    const lag = spec.monitoring.thresholds.kafkaConsumerLag;
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`(kafka_consumergroup_lag) > ${lag}`);
    writeFileSync(file, text.replace(`(kafka_consumergroup_lag) > ${lag}`, `(kafka_consumergroup_lag) > ${lag + 5}`));
    const run = tool(toolPath('promtool'), ['test', 'rules', 'monitoring/prometheus/tests/kafka.test.yml'], { cwd: dir });
    expect(run.status).not.toBe(0);
    expect(run.out).toContain('KafkaConsumerLagHigh fires');
  });

  it('metricNames finds metric names, not functions, keywords, labels or durations', () => {
    expect(metricNames('sum by (group, topic) (rate(kafka_x_total{job="a:b",q=~"x|y"}[5m])) > 10 and on(instance) up == 0')).toEqual(['kafka_x_total', 'up']);
    expect(metricNames('time() - brokerplate_backup_last_success_timestamp_seconds{broker="redis"} > 93600')).toEqual(['brokerplate_backup_last_success_timestamp_seconds']);
    expect(metricNames('absent(foo{a="b"}) or bar / ignoring(x) group_left baz')).toEqual(['bar', 'baz', 'foo']);
  });
});

describe('monitoring objects for the compose and Pulumi emitters', () => {
  const spec = opsSpec('hybrid', 'prod');

  it('compose services publish on 127.0.0.1 only and all long-running ones have healthchecks', async () => {
    const { monitoringCompose } = await import('../../generators/emit/monitoring-compose.ts');
    const brokers = { 'kafka-1': {}, 'kafka-2': {}, 'kafka-3': {}, 'redis-1': {}, 'redis-2': {}, 'redis-3': {} } as never;
    const part = monitoringCompose(spec, brokers);
    for (const [name, s] of Object.entries(part.services)) {
      for (const p of s.ports ?? []) expect(p.host_ip, name).toBe('127.0.0.1');
      if (s.restart !== 'no') expect(s.healthcheck, name).toBeDefined();
    }
    expect(Object.keys(part.services).sort()).toEqual(['alertmanager', 'grafana', 'jmx-exporter-fetch', 'kafka-exporter', 'prometheus', 'pushgateway', 'redis-exporter']);
    // the Kafka brokers get the agent
    expect(Object.keys(part.extend ?? {}).sort()).toEqual(['kafka-1', 'kafka-2', 'kafka-3']);
    expect(part.extend?.['kafka-1']?.environment?.EXTRA_ARGS).toMatch(/^-name kafkaServer -loggc -javaagent:\/opt\/jmx-exporter\/jmx_prometheus_javaagent\.jar=7071:/);
  });

  it('Kubernetes objects (mocked: no cluster here) validate against kubernetes-models, operator objects are well-formed', async () => {
    const objects = monitoringK8s(spec, 'shop');
    const models = {
      ConfigMap: (await import('kubernetes-models/v1/ConfigMap')).ConfigMap,
      Service: (await import('kubernetes-models/v1/Service')).Service,
      Deployment: (await import('kubernetes-models/apps/v1/Deployment')).Deployment,
      PersistentVolumeClaim: (await import('kubernetes-models/v1/PersistentVolumeClaim')).PersistentVolumeClaim,
    } as const;
    // The Pushgateway keeps the backups' success times on a volume, or a restart fires the stale-backup alerts.
    const named = (o: (typeof objects)[number]) => (o.metadata as { name?: string } | undefined)?.name;
    const pushgateway = objects.find((o) => o.kind === 'Deployment' && named(o) === 'pushgateway');
    expect(JSON.stringify(pushgateway)).toContain('"claimName":"pushgateway-data"');
    expect(objects.filter((o) => o.kind === 'PersistentVolumeClaim').map(named)).toEqual(['pushgateway-data']);
    for (const o of objects) {
      const Model = models[o.kind as keyof typeof models];
      expect(Model, o.kind).toBeDefined();
      expect(() => new Model(o as never).validate(), `${o.kind} ${JSON.stringify(o.metadata)}`).not.toThrow();
    }
    // the namespace's "restricted" Pod Security Standard
    for (const d of objects.filter((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { securityContext: Record<string, unknown>; containers: { securityContext: Record<string, unknown> }[] } } } }[]) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of pod.containers) expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    }
    const operator = prometheusOperatorObjects(spec, 'shop', k8sNodes('shop'));
    const rules = operator.filter((o) => o.kind === 'PrometheusRule');
    expect(rules.map((r) => (r.metadata as { name: string }).name).sort()).toEqual(['shop-backup', 'shop-kafka', 'shop-rabbitmq', 'shop-redis', 'shop-stack']);
    for (const m of operator.filter((o) => o.kind === 'ServiceMonitor')) {
      const s = m.spec as { endpoints: { port: string }[]; selector: { matchLabels: Record<string, string> } };
      expect(s.endpoints.length).toBeGreaterThan(0);
      expect(Object.keys(s.selector.matchLabels)).toEqual(['app.kubernetes.io/name']);
    }
    // The emitted file, as the operator's CRD schemas (@kubernetes-models/prometheus-operator) judge it,
    // unknown fields included; a control shows a misspelt field is caught.
    const emitted = monitoringArea.emit(spec).files.find((f) => f.path === PATHS.operator)?.contents ?? '';
    const docs = parseAllDocuments(emitted).map((d) => d.toJS() as Obj);
    expect(docs.map((d) => d.kind)).toEqual(operator.map((o) => o.kind));
    expect(await schemaFindings(docs.map(fileObject))).toEqual([]);
    const typo = structuredClone(docs.find((d) => d.kind === 'ServiceMonitor')) as Obj;
    (typo.spec as Obj).endpoint = (typo.spec as Obj).endpoints;
    expect(await schemaFindings([fileObject(typo)])).toContainEqual(expect.stringMatching(/^ServiceMonitor\/[\w-]+: unknown field \/spec\/endpoint$/));
  });
});
