/**
 * Real exporters facing real brokers, scraped by a real Prometheus with the generated config.
 * Brokers come from scripts/brokers/brokers.mjs (own state dir and ports; RabbitMQ 4 and Redis 8
 * from the Debian 13 root), Kafka with the JMX exporter agent and the generated rules; RabbitMQ's
 * own plugin; Debian 13's redis_exporter with the generated settings (NOT kafka_exporter: no build of it
 * runs here, the Go module proxy refuses github.com/danielqsj/kafka_exporter; its job is left out and
 * its metrics are checked against its documented names in promtool.test.ts);
 * the Pushgateway (fed by the generated Redis backup script, run in the root as in the redis image)
 * and Alertmanager. Prometheus, Alertmanager and the Pushgateway are the pinned builds of
 * scripts/tools. Per scenario, Prometheus runs the generated prometheus.yml with targets remapped to
 * these processes (and 1s intervals, to be quick); every metric the rules and dashboards read must
 * be among the scraped ones.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JMX_EXPORTER } from '../../generators/brokers/kafka/monitoring.ts';
import { MONITOR_RULES } from '../../generators/brokers/redis/config.ts';
import { MONITOR_USER } from '../../generators/brokers/redis/connection.ts';
import { exporterEnvironment } from '../../generators/brokers/redis/monitoring.ts';
import { backupFiles } from '../../generators/emit/backup.ts';
import { monitoringCompose } from '../../generators/emit/monitoring-compose.ts';
import { dashboardPanels } from '../../generators/emit/monitoring-grafana.ts';
import { alertGroups } from '../../generators/emit/monitoring-rules.ts';
import { monitoringArea } from '../../generators/emit/monitoring.ts';
import { metricNames } from '../../generators/emit/monitoring-model.ts';
import { brokersOf, channelsOf, deadLetterName, type StackSpec } from '../../generators/stack/index.ts';
import { tempDir } from '../support/cli.ts';
import { httpText, jmxAgentSha256, kafkaTool, LIVE_CASES, OPS_BROKERS as b, opsBrokers, opsSpec, Proc, redisCliPath, rootProc, rootTool, tearDown, tool, waitFor, writeFiles } from '../support/ops.ts';
import { toolPath } from '../support/tools.ts';

// Below the ephemeral port range (32768+), so an outgoing connection of another process never holds one.
const BASE = 26100; // the shared ops brokers take BASE+1 … BASE+9
const PORTS = { lag: BASE + 20, pushgateway: BASE + 21, alertmanager: BASE + 22, alertmanagerCluster: BASE + 23 };
const promPort = (i: number) => BASE + 40 + i;
const redisExporterPort = (i: number) => BASE + 60 + i;
const work = tempDir('brokerplate-mon-live-');
const procs: Proc[] = [];
const MONITOR_PASSWORD = 'monitor-test-password';
const hybrid = opsSpec('hybrid', 'prod');
const specs = LIVE_CASES.map((c) => ({ ...c, spec: opsSpec(c.scenario, c.profile) }));
const vhost = hybrid.brokers.rabbitmq?.vhost ?? 'shop';

function start(name: string, cmd: string, args: string[], env: Record<string, string> = {}): Proc {
  const p = new Proc(name, cmd, args, { env, log: join(work, 'logs', `${name}.log`) });
  procs.push(p);
  return p;
}

/** A program of the Debian 13 root (redis_exporter). */
function startInRoot(name: string, argv: string[], env: Record<string, string> = {}): Proc {
  const p = rootProc(name, argv, { env, log: join(work, 'logs', `${name}.log`) });
  procs.push(p);
  return p;
}

async function rabbit(method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${b.rabbitMgmt}/api${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from('brokerplate:brokerplate-test').toString('base64')}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

function redisCli(...args: string[]): string {
  const r = tool(redisCliPath(b), ['-p', String(b.redisPort), '--no-auth-warning', '-a', b.redisPassword, ...args]);
  if (r.status !== 0) throw new Error(r.out);
  return r.out.trim();
}

/** Data for every metric family to exist: a consumer group with lag, queues with messages, streams with a pending entry. */
async function seed(): Promise<void> {
  const kafka = `127.0.0.1:${b.kafkaPort}`;
  expect(kafkaTool(b, 'TopicCommand', ['--bootstrap-server', kafka, '--create', '--topic', 'events', '--partitions', '2', '--replication-factor', '1']).status).toBe(0);
  const messages = Array.from({ length: 10 }, (_, i) => `k${i}:v${i}`).join('\n');
  const produced = kafkaTool(b, 'ConsoleProducer', ['--bootstrap-server', kafka, '--topic', 'events', '--reader-property', 'parse.key=true', '--reader-property', 'key.separator=:'], `${messages}\n`);
  expect(produced.status, produced.out).toBe(0);
  const reset = kafkaTool(b, 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', ['--bootstrap-server', kafka, '--group', 'audit', '--topic', 'events', '--reset-offsets', '--to-offset', '1', '--execute']);
  expect(reset.status, reset.out).toBe(0);

  await rabbit('PUT', `/vhosts/${encodeURIComponent(vhost)}`, {});
  await rabbit('PUT', `/permissions/${encodeURIComponent(vhost)}/brokerplate`, { configure: '.*', write: '.*', read: '.*' });
  const queues = new Set(specs.flatMap(({ spec }) => channelsOf(spec, 'rabbitmq').flatMap((c) => [c.name, deadLetterName(c)].filter((n): n is string => !!n))));
  for (const q of queues) await rabbit('PUT', `/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(q)}`, { durable: true });
  for (let i = 0; i < 3; i++) {
    await rabbit('POST', `/exchanges/${encodeURIComponent(vhost)}/amq.default/publish`, { properties: {}, routing_key: [...queues][0], payload: `m${i}`, payload_encoding: 'string' });
  }

  for (const { spec } of specs) {
    for (const c of channelsOf(spec, 'redis')) {
      if (c.kind !== 'stream') continue;
      redisCli('XADD', c.name, '*', 'payload', '{}');
      for (const g of c.consumerGroups) {
        if (!redisCli('XINFO', 'GROUPS', c.name).includes(g)) redisCli('XGROUP', 'CREATE', c.name, g, '0');
        redisCli('XREADGROUP', 'GROUP', g, 'c1', 'COUNT', '1', 'STREAMS', c.name, '>');
      }
      redisCli('XADD', deadLetterName(c) ?? `${c.name}:dead`, '*', 'payload', '{}');
    }
  }
  redisCli('SET', 'seen', '1');
  redisCli('GET', 'seen');
  redisCli('GET', 'unseen');
}

/** kafka_exporter cannot run here (see the header): its scrape job and metric families. */
const NOT_RUN: { jobs: readonly string[]; metric: RegExp } = { jobs: ['kafka-lag'], metric: /^kafka_consumergroup_/ };

/** The generated prometheus.yml with every target pointed at the processes of this test (kafka_exporter's job left out). */
function remap(config: Record<string, unknown>, i: number): Record<string, unknown> {
  const exact: Record<string, string> = {
    'localhost:9090': `127.0.0.1:${promPort(i)}`,
    'alertmanager:9093': `127.0.0.1:${PORTS.alertmanager}`,
    'pushgateway:9091': `127.0.0.1:${PORTS.pushgateway}`,
    'redis-exporter:9121': `127.0.0.1:${redisExporterPort(i)}`,
  };
  const patterns: [RegExp, string][] = [
    [/^kafka(-\d+)?:7071$/, `127.0.0.1:${b.jmxPort}`],
    // prod's HTTPS endpoint (15691) reaches the plaintext test node over HTTP: test/tls/rabbitmq-prod.test.ts scrapes it over TLS.
    [/^rabbitmq(-\d+)?:1569[12]$/, `127.0.0.1:${b.rabbitProm}`],
    // The shared test Redis is plaintext: prod's rediss:// targets reach it as redis:// (the exporter over TLS: test/compose/redis-tls.test.ts).
    [/^rediss?:\/\/redis(-\d+)?:6379$/, `redis://127.0.0.1:${b.redisPort}`],
  ];
  const target = (t: string): string => {
    const hit = exact[t] ?? patterns.find(([re]) => re.test(t))?.[1];
    if (!hit) throw new Error(`unmapped target ${t}`);
    return hit;
  };
  // Without the prod logins (basic_auth with password files): test/monitoring/auth.test.ts proves those.
  const jobs = (config.scrape_configs as Record<string, unknown>[]).filter((job) => !NOT_RUN.jobs.includes(String(job.job_name))).map(({ basic_auth: _login, scheme: _scheme, tls_config: _tls, ...job }) => ({
    ...job,
    static_configs: (job.static_configs as { targets: string[] }[]).map((s) => ({ targets: [...new Set(s.targets.map(target))] })),
    ...(job.relabel_configs ? { relabel_configs: (job.relabel_configs as Record<string, unknown>[]).map((r) => (typeof r.replacement === 'string' && r.target_label === '__address__' ? { ...r, replacement: target(r.replacement) } : r)) } : {}),
  }));
  const alerting = { alertmanagers: [{ static_configs: [{ targets: [target('alertmanager:9093')] }] }] };
  return { ...config, global: { ...(config.global as object), scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' }, alerting, scrape_configs: jobs };
}

async function api<T>(port: number, path: string): Promise<T> {
  const r = await httpText(`http://127.0.0.1:${port}/api/v1/${path}`);
  const body = JSON.parse(r.text) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? r.text}`);
  return body.data;
}

interface Target {
  labels: { job: string; instance: string };
  health: string;
  lastError: string;
}

function usedMetrics(spec: StackSpec): { rules: string[]; panels: string[] } {
  const rules = alertGroups(spec).flatMap((g) => g.alerts.flatMap((a) => metricNames(a.expr)));
  const panels = brokersOf(spec).flatMap((broker) => dashboardPanels(spec, broker).flatMap((p) => p.queries.flatMap((q) => metricNames(q.expr))));
  return { rules: [...new Set(rules)].sort(), panels: [...new Set(panels)].sort() };
}

beforeAll(async () => {
  // The pinned sha256 of the agent is the one Maven Central serves.
  expect(jmxAgentSha256()).toBe(JMX_EXPORTER.sha256);
  const hybridDir = join(work, 'hybrid');
  writeFiles(hybridDir, [...monitoringArea.emit(hybrid).files, ...backupFiles(hybrid)]);
  await opsBrokers();
  await seed();

  // Pushgateway and Alertmanager with the generated flags/config (paths and addresses local).
  const pg = monitoringCompose(hybrid, {}).services.pushgateway;
  const pgFlags = (pg?.command ?? []).filter((f) => !f.startsWith('--web.config.file=')).map((f) => f.replace('/data/', `${work}/`));
  start('pushgateway', toolPath('pushgateway'), [...pgFlags, `--web.listen-address=127.0.0.1:${PORTS.pushgateway}`]);
  start('alertmanager', toolPath('alertmanager'), [
    `--config.file=${join(hybridDir, 'monitoring/alertmanager/alertmanager.yml')}`,
    `--storage.path=${join(work, 'alertmanager')}`,
    `--web.listen-address=127.0.0.1:${PORTS.alertmanager}`,
    `--cluster.listen-address=`,
  ]);
  await waitFor('pushgateway', async () => ((await httpText(`http://127.0.0.1:${PORTS.pushgateway}/-/ready`)).status === 200 ? true : undefined));
  // The generated Redis backup reports its success to the Pushgateway (what BackupStale reads).
  const backup = rootTool(['bash', join(hybridDir, 'backup/redis/backup.sh')], {
    env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(b.redisPort), REDIS_USER: 'default', REDIS_PASSWORD: b.redisPassword, BACKUP_DIR: join(work, 'backups'), PUSHGATEWAY_URL: `http://127.0.0.1:${PORTS.pushgateway}` },
  });
  expect(backup.status, backup.out).toBe(0);
  // The other brokers' backups report through the same generated function (their scripts run in test/backup).
  for (const [broker, name] of [['kafka', 'metadata'], ['rabbitmq', 'definitions']]) {
    const push = tool('bash', ['-c', `. '${join(hybridDir, 'backup/lib.sh')}' && push_success ${broker} ${name}`], { env: { PUSHGATEWAY_URL: `http://127.0.0.1:${PORTS.pushgateway}` } });
    expect(push.status, push.out).toBe(0);
  }

  // The exporter's ACL user, with exactly the rules of the generated users.acl.
  redisCli('ACL', 'SETUSER', MONITOR_USER, 'reset', 'on', `>${MONITOR_PASSWORD}`, ...MONITOR_RULES);
  redisCli('ACL', 'LOG', 'RESET');

  // One Prometheus (and redis_exporter) per scenario, all at once.
  specs.forEach(({ scenario, spec }, i) => {
    const dir = join(work, scenario);
    writeFiles(dir, monitoringArea.emit(spec).files);
    const generated = parse(readFileSync(join(dir, 'monitoring/prometheus/prometheus.yml'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'monitoring/prometheus/prometheus.test.yml'), stringify(remap(generated, i)));
    mkdirSync(join(dir, 'tsdb'), { recursive: true });
    start(`prometheus-${scenario}`, toolPath('prometheus'), [
      `--config.file=${join(dir, 'monitoring/prometheus/prometheus.test.yml')}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort(i)}`,
    ]);
    if (spec.brokers.redis) {
      // Generated settings and the generated monitor user (its rules granted on the test Redis).
      // Without the prod CA setting: the shared test Redis is plaintext (TLS: test/compose/redis-tls.test.ts).
      const { REDIS_EXPORTER_TLS_CA_CERT_FILE: _ca, ...settings } = exporterEnvironment(spec);
      startInRoot(`redis-exporter-${scenario}`, ['prometheus-redis-exporter'], {
        ...settings,
        REDIS_EXPORTER_WEB_LISTEN_ADDRESS: `127.0.0.1:${redisExporterPort(i)}`,
        REDIS_PASSWORD: MONITOR_PASSWORD,
      });
    }
  });
}, 300_000);

afterAll(() => tearDown(procs, work));

describe('the Redis exporter as the generated monitor user', () => {
  it('is refused nothing it sends (Redis ACL LOG), and cannot write or administer', async () => {
    // Several scrapes of every exporter, stream checks included.
    await waitFor('exporters scraped', async () => {
      const samples = await Promise.all(specs.map(async ({ spec }, i) => (spec.brokers.redis ? (await httpText(`http://127.0.0.1:${redisExporterPort(i)}/scrape?target=redis://127.0.0.1:${b.redisPort}`)).text : 'redis_up 1')));
      return samples.every((t) => /^redis_up 1$/m.test(t)) ? true : undefined;
    }, 30_000);
    const denied = redisCli('ACL', 'LOG').split('\n').filter((l) => l.length > 0);
    expect(denied, 'ACL LOG entries (denied commands)').toEqual([]);
    // control: the same user is refused a write and an administrative command
    const as = (...args: string[]) => tool(redisCliPath(b), ['-p', String(b.redisPort), '--no-auth-warning', '--user', MONITOR_USER, '--pass', MONITOR_PASSWORD, ...args]).out;
    expect(as('SET', 'monitor-probe', '1')).toMatch(/NOPERM/);
    expect(as('CLIENT', 'KILL', 'TYPE', 'normal')).toMatch(/NOPERM/);
    expect(as('CONFIG', 'SET', 'maxmemory', '1')).toMatch(/NOPERM/);
    expect(as('INFO', 'server')).toMatch(/redis_version/);
  });
});

describe.each(specs.map((s, i) => ({ ...s, i })))('live monitoring: $scenario ($profile)', ({ spec, i }) => {
  it('Prometheus scrapes every generated target, loads every rule, and has every metric the rules and dashboards read', async () => {
    const port = promPort(i);
    // Every target up, twice scraped (rates need two samples).
    const targets = await waitFor(
      'all targets up',
      async () => {
        const t = (await api<{ activeTargets: Target[] }>(port, 'targets')).activeTargets;
        return t.length > 0 && t.every((x) => x.health === 'up') ? t : undefined;
      },
      60_000,
    );
    const jobs = [...new Set(targets.map((t) => t.labels.job))].sort();
    const expected = (parse(readFileSync(join(work, LIVE_CASES[i]?.scenario ?? '', 'monitoring/prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string }[] }).scrape_configs.map((j) => j.job_name).filter((j) => !NOT_RUN.jobs.includes(j)).sort();
    expect(jobs).toEqual(expected);

    const used = usedMetrics(spec);
    const rules = used.rules.filter((m) => !NOT_RUN.metric.test(m));
    const panels = used.panels.filter((m) => !NOT_RUN.metric.test(m));
    const scraped = await waitFor(
      'the metrics the rules and dashboards read',
      async () => {
        const names = new Set(await api<string[]>(port, 'label/__name__/values'));
        return [...rules, ...panels].every((m) => names.has(m)) ? names : undefined;
      },
      30_000,
    ).catch(async () => new Set(await api<string[]>(port, 'label/__name__/values')));
    expect(rules.filter((m) => !scraped.has(m)), 'rule metrics not scraped').toEqual([]);
    expect(panels.filter((m) => !scraped.has(m)), 'dashboard metrics not scraped').toEqual([]);

    // Rules are loaded and evaluate without error.
    const groups = await waitFor(
      'rules evaluated',
      async () => {
        const g = (await api<{ groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] }>(port, 'rules')).groups;
        return g.length > 0 && g.every((x) => x.rules.every((r) => r.health !== 'unknown')) ? g : undefined;
      },
      20_000,
    );
    expect(groups.map((g) => g.name).sort()).toEqual(alertGroups(spec).map((g) => g.name).sort());
    for (const g of groups) for (const r of g.rules) expect(r.health, `${r.name}: ${r.lastError ?? ''}`).toBe('ok');

    // Every dashboard query returns data from the real exporters (labels and all, not just names).
    for (const broker of brokersOf(spec)) {
      for (const p of dashboardPanels(spec, broker)) {
        for (const q of p.queries.filter((x) => !/kafka_consumergroup_/.test(x.expr))) {
          const query = `query?query=${encodeURIComponent(q.expr)}`;
          const series = await waitFor(`data for "${q.expr}"`, async () => {
            const r = (await api<{ result: unknown[] }>(port, query)).result;
            return r.length > 0 ? r : undefined;
          }, 15_000).catch(() => []);
          expect(series.length, `${broker} panel "${p.title}": ${q.expr} returns no data`).toBeGreaterThan(0);
        }
      }
    }
  });

});
