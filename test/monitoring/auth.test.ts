/**
 * The prod monitoring logins, proven with the pinned servers (scripts/tools: Prometheus 3.16.0,
 * Alertmanager 0.35.0, Pushgateway 1.11.5) started with the generated web configs: the bcrypt
 * files brokerplate writes into secrets/monitoring/ from a generated .env, the generated
 * prometheus.yml (its password files and targets pointed at this test's folder and ports), the
 * generated Pushgateway flags and the generated backup lib.sh. Each service refuses anonymous
 * and wrong credentials and principals it does not list; Prometheus scrapes itself,
 * Alertmanager and the Pushgateway through their logins (`up == 1`) and delivers alerts to
 * Alertmanager; a backup push with the backup principal's password file is accepted; the
 * compose healthcheck command passes. Kubernetes (prod objects of monitoring-k8s.ts): a second
 * Prometheus with the program's prometheus.yml (ConfigMap prometheus-config, the same web config)
 * scrapes the three through their logins, and each Deployment's exec probe command passes.
 * Run under /work/bin/nsrun (it binds ports).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupFiles } from '../../generators/emit/backup.ts';
import { buildEnv, parseEnv } from '../../generators/emit/env.ts';
import { authHealthcheckShell, MONITORING_PRINCIPALS, monitoringAuthSecrets, WEB_CONFIG_MOUNT, webConfigFiles, webConfigPath, webServices, webUsers, type WebService } from '../../generators/emit/monitoring-auth.ts';
import { monitoringK8s } from '../../generators/emit/monitoring-k8s.ts';
import { monitoringCompose } from '../../generators/emit/monitoring-compose.ts';
import { monitoringArea } from '../../generators/emit/monitoring.ts';
import { tempDir } from '../support/cli.ts';
import { httpText, opsSpec, Proc, tearDown, tool, waitFor, writeFiles } from '../support/ops.ts';
import { toolPath } from '../support/tools.ts';

const BASE = 27300;
const PORT: Record<WebService, number> = { prometheus: BASE + 1, alertmanager: BASE + 2, pushgateway: BASE + 3 };
/** A second Prometheus, with the Kubernetes program's prometheus.yml (the prod ConfigMap). */
const K8S_PROMETHEUS = BASE + 4;
const NS = 'authns';
const work = tempDir('brokerplate-mon-auth-');
const procs: Proc[] = [];
const spec = opsSpec('hybrid', 'prod');
let counter = 0;
const env = parseEnv(buildEnv(spec, undefined, () => `pw-${++counter}-${'x'.repeat(24)}`));
const secretsDir = join(work, 'run-secrets');
const password = (p: { env: string }): string => env.get(p.env) ?? '';
const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
const url = (s: WebService, path: string) => `http://127.0.0.1:${PORT[s]}${path}`;

function start(name: string, cmd: string, args: string[]): void {
  procs.push(new Proc(name, cmd, args, { log: join(work, 'logs', `${name}.log`) }));
}

/** Where compose would mount a file, here: /run/secrets → the test's folder, the web config → the generated file. */
function local(path: string): string {
  return path.replace('/run/secrets/', `${secretsDir}/`);
}

function remapTarget(t: string): string {
  const map: Record<string, string> = {
    'localhost:9090': `127.0.0.1:${PORT.prometheus}`,
    'alertmanager:9093': `127.0.0.1:${PORT.alertmanager}`,
    'pushgateway:9091': `127.0.0.1:${PORT.pushgateway}`,
    [`alertmanager.${NS}.svc:9093`]: `127.0.0.1:${PORT.alertmanager}`,
    [`pushgateway.${NS}.svc:9091`]: `127.0.0.1:${PORT.pushgateway}`,
  };
  const hit = map[t];
  if (!hit) throw new Error(`unmapped target ${t}`);
  return hit;
}

interface Login {
  username: string;
  password_file: string;
}
interface Job {
  job_name: string;
  basic_auth?: Login;
  static_configs: { targets: string[] }[];
}

async function api<T>(path: string, user: string, pass: string): Promise<T> {
  const r = await httpText(url('prometheus', `/api/v1/${path}`), { headers: basic(user, pass) });
  const body = JSON.parse(r.text) as { status: string; data: T };
  if (body.status !== 'success') throw new Error(`${path}: ${r.text}`);
  return body.data;
}

beforeAll(async () => {
  const dir = join(work, 'project');
  writeFiles(dir, [...monitoringArea.emit(spec).files, ...backupFiles(spec)]);
  writeFiles(dir, webConfigFiles(spec, { env, read: () => undefined }));
  mkdirSync(secretsDir, { recursive: true });
  for (const p of monitoringAuthSecrets(spec)) writeFileSync(join(secretsDir, p.env.toLowerCase()), password(p), { mode: 0o600 });

  // prometheus.yml as generated, the monitoring jobs only (the brokers' exporters are live.test.ts'), targets and files local.
  const testConfig = (text: string, self: number) => {
    const config = parse(text) as { scrape_configs: Job[]; alerting: { alertmanagers: (Omit<Job, 'job_name'>)[] }; global: object };
    const own = config.scrape_configs.filter((j) => ['prometheus', 'alertmanager', 'pushgateway'].includes(j.job_name));
    const localLogin = (l?: Login) => (l ? { basic_auth: { ...l, password_file: local(l.password_file) } } : {});
    const targets = (t: string) => (t === 'localhost:9090' ? `127.0.0.1:${self}` : remapTarget(t));
    return stringify({
      ...config,
      global: { ...config.global, scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: ['rules-test.yml'],
      alerting: { alertmanagers: config.alerting.alertmanagers.map((a) => ({ ...a, ...localLogin(a.basic_auth), static_configs: a.static_configs.map((s) => ({ targets: s.targets.map(targets) })) })) },
      scrape_configs: own.map((j) => ({ ...j, ...localLogin(j.basic_auth), static_configs: j.static_configs.map((s) => ({ targets: s.targets.map(targets) })) })),
    });
  };
  // An alert that fires at once, to see Prometheus deliver to Alertmanager through its login.
  writeFileSync(join(dir, 'monitoring/prometheus/rules-test.yml'), stringify({ groups: [{ name: 'test', rules: [{ alert: 'AuthTestAlwaysFiring', expr: 'vector(1)', labels: { severity: 'warning' } }] }] }));
  writeFileSync(join(dir, 'monitoring/prometheus/prometheus.test.yml'), testConfig(readFileSync(join(dir, 'monitoring/prometheus/prometheus.yml'), 'utf8'), PORT.prometheus));
  // The Kubernetes program's prometheus.yml (ConfigMap prometheus-config of the prod objects): same logins, service DNS names.
  writeFileSync(join(dir, 'monitoring/prometheus/prometheus.k8s-test.yml'), testConfig(String(at(k8sObject('ConfigMap', 'prometheus-config'), 'data', 'prometheus.yml')), K8S_PROMETHEUS));

  // Each server with its generated flags; the web config mount (/etc/brokerplate/web.yml) → its generated file.
  const flags = (s: WebService, extra: string[]) => {
    const generated = (monitoringCompose(spec, {}).services[s]?.command ?? []).filter((f) => f.startsWith('--web.config.file='));
    expect(generated).toHaveLength(1);
    return [`--web.config.file=${join(dir, webConfigPath(s))}`, `--web.listen-address=127.0.0.1:${PORT[s]}`, ...extra];
  };
  start('pushgateway', toolPath('pushgateway'), flags('pushgateway', [`--persistence.file=${join(work, 'pushgateway.db')}`]));
  start('alertmanager', toolPath('alertmanager'), flags('alertmanager', [`--config.file=${join(dir, 'monitoring/alertmanager/alertmanager.yml')}`, `--storage.path=${join(work, 'am')}`, '--cluster.listen-address=']));
  start('prometheus', toolPath('prometheus'), flags('prometheus', [`--config.file=${join(dir, 'monitoring/prometheus/prometheus.test.yml')}`, `--storage.tsdb.path=${join(work, 'tsdb')}`]));
  // As the Kubernetes Deployment runs it: its args' --web.config.file is the mounted Secret made from the same generated file.
  const k8sArgs = list(at(k8sObject('Deployment', 'prometheus'), 'spec', 'template', 'spec', 'containers', 0, 'args')).map(String);
  expect(k8sArgs).toContain(`--web.config.file=${WEB_CONFIG_MOUNT}`);
  start('prometheus-k8s', toolPath('prometheus'), [`--web.config.file=${join(dir, webConfigPath('prometheus'))}`, `--web.listen-address=127.0.0.1:${K8S_PROMETHEUS}`, `--config.file=${join(dir, 'monitoring/prometheus/prometheus.k8s-test.yml')}`, `--storage.tsdb.path=${join(work, 'tsdb-k8s')}`]);
  const admin = MONITORING_PRINCIPALS.admin;
  for (const s of webServices(spec)) {
    await waitFor(`${s} ready`, async () => ((await httpText(url(s, '/-/ready'), { headers: basic(admin.user, password(admin)) })).status === 200 ? true : undefined));
  }
  await waitFor('prometheus-k8s ready', async () => ((await httpText(`http://127.0.0.1:${K8S_PROMETHEUS}/-/ready`, { headers: basic(admin.user, password(admin)) })).status === 200 ? true : undefined));
}, 60_000);

/** The prod Kubernetes objects of the monitoring stack (monitoring-k8s.ts), namespace NS. */
function k8sObject(kind: string, name: string): unknown {
  const found = monitoringK8s(spec, NS).find((o) => o.kind === kind && at(o, 'metadata', 'name') === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found;
}

function at(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const p of path) v = typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[p] : undefined;
  return v;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

afterAll(() => tearDown(procs, work));

describe('prod monitoring logins on the pinned Prometheus, Alertmanager and Pushgateway', () => {
  it('the stack has all three services and every principal a distinct generated password', () => {
    expect(webServices(spec)).toEqual(['prometheus', 'alertmanager', 'pushgateway']);
    const values = monitoringAuthSecrets(spec).map(password);
    expect(values.every((v) => v.length > 20)).toBe(true);
    expect(new Set(values).size).toBe(values.length);
  });

  it.each(['prometheus', 'alertmanager', 'pushgateway'] as const)('%s: anonymous → 401, wrong password → 401, an unlisted principal → 401, each listed principal → 200', async (s) => {
    const path = s === 'prometheus' ? '/api/v1/status/buildinfo' : s === 'alertmanager' ? '/api/v2/status' : '/api/v1/status';
    expect((await httpText(url(s, path))).status).toBe(401);
    expect((await httpText(url(s, '/-/healthy'))).status).toBe(401);
    expect((await httpText(url(s, '/metrics'))).status).toBe(401);
    const listed = webUsers(spec, s);
    for (const p of listed) {
      expect((await httpText(url(s, path), { headers: basic(p.user, `${password(p)}x`) })).status, `${p.user} wrong password`).toBe(401);
      expect((await httpText(url(s, path), { headers: basic(p.user, password(p)) })).status, p.user).toBe(200);
    }
    for (const p of Object.values(MONITORING_PRINCIPALS).filter((q) => !listed.includes(q))) {
      expect((await httpText(url(s, path), { headers: basic(p.user, password(p)) })).status, `${p.user} is not listed on ${s}`).toBe(401);
    }
  });

  it('Prometheus scrapes itself, Alertmanager and the Pushgateway through their logins: up == 1 for each', async () => {
    const g = MONITORING_PRINCIPALS.grafana;
    const up = await waitFor('up == 1 for the three monitoring jobs', async () => {
      const r = await api<{ result: { metric: { job: string }; value: [number, string] }[] }>('query?query=up', g.user, password(g));
      const byJob = Object.fromEntries(r.result.map((x) => [x.metric.job, x.value[1]]));
      return ['prometheus', 'alertmanager', 'pushgateway'].every((j) => byJob[j] === '1') ? byJob : undefined;
    });
    expect(up).toEqual({ prometheus: '1', alertmanager: '1', pushgateway: '1' });
  });

  it('Prometheus delivers alerts to Alertmanager through its login', async () => {
    const admin = MONITORING_PRINCIPALS.admin;
    const alerts = await waitFor('the test alert in Alertmanager', async () => {
      const r = await httpText(url('alertmanager', '/api/v2/alerts'), { headers: basic(admin.user, password(admin)) });
      const list = JSON.parse(r.text) as { labels: { alertname: string } }[];
      return list.some((a) => a.labels.alertname === 'AuthTestAlwaysFiring') ? list : undefined;
    });
    expect(alerts.map((a) => a.labels.alertname)).toContain('AuthTestAlwaysFiring');
  });

  it('a backup push with the generated lib.sh: with the backup principal accepted, without a login refused (401)', async () => {
    const lib = join(work, 'project', 'backup', 'lib.sh');
    const backup = MONITORING_PRINCIPALS.backup;
    const composeEnv = monitoringCompose(spec, {}).services;
    expect(composeEnv.pushgateway).toBeDefined();
    const pushEnv = { PUSHGATEWAY_URL: url('pushgateway', ''), PUSHGATEWAY_USER: backup.user, PUSHGATEWAY_PASSWORD_FILE: join(secretsDir, backup.env.toLowerCase()) };
    const ok = tool('bash', ['-c', `. '${lib}' && push_success redis rdb`], { env: pushEnv });
    expect(ok.status, ok.out).toBe(0);
    const anonymous = tool('bash', ['-c', `. '${lib}' && push_success redis rdb`], { env: { PUSHGATEWAY_URL: url('pushgateway', '') } });
    expect(anonymous.status).not.toBe(0);
    expect(anonymous.out).toContain('401');
    const admin = MONITORING_PRINCIPALS.admin;
    const metrics = await httpText(url('pushgateway', '/metrics'), { headers: basic(admin.user, password(admin)) });
    expect(metrics.text).toMatch(/brokerplate_backup_last_success_timestamp_seconds\{backup="rdb",broker="redis",instance="",job="brokerplate_backup"\} \d/);
  });

  it('the compose healthcheck command logs in and passes (GNU wget standing in for the images\' busybox wget: same flags); without the password file it fails', () => {
    for (const s of webServices(spec)) {
      const service = monitoringCompose(spec, {}).services[s];
      const test = service?.healthcheck?.test ?? [];
      expect(test[0]).toBe('CMD-SHELL');
      expect(test[1]).toBe(authHealthcheckShell(9090 + (s === 'prometheus' ? 0 : s === 'alertmanager' ? 3 : 1), '/-/healthy'));
      const command = local(authHealthcheckShell(PORT[s], '/-/healthy', '$'));
      const run = tool('sh', ['-c', command]);
      expect(run.status, `${s}: ${run.out}`).toBe(0);
      const missing = tool('sh', ['-c', command.replace(secretsDir, join(work, 'nowhere'))]);
      expect(missing.status, s).not.toBe(0);
    }
  });

  it('Kubernetes: Prometheus with the program\'s prometheus.yml scrapes itself, Alertmanager and the Pushgateway through their logins (up == 1), anonymous → 401', async () => {
    expect((await httpText(`http://127.0.0.1:${K8S_PROMETHEUS}/api/v1/status/buildinfo`)).status).toBe(401);
    const g = MONITORING_PRINCIPALS.grafana;
    const up = await waitFor('up == 1 for the three monitoring jobs (Kubernetes config)', async () => {
      const r = await httpText(`http://127.0.0.1:${K8S_PROMETHEUS}/api/v1/query?query=up`, { headers: basic(g.user, password(g)) });
      const body = JSON.parse(r.text) as { data: { result: { metric: { job: string }; value: [number, string] }[] } };
      const byJob = Object.fromEntries(body.data.result.map((x) => [x.metric.job, x.value[1]]));
      return ['prometheus', 'alertmanager', 'pushgateway'].every((j) => byJob[j] === '1') ? byJob : undefined;
    });
    expect(up).toEqual({ prometheus: '1', alertmanager: '1', pushgateway: '1' });
  });

  it('Kubernetes: each Deployment\'s exec probe (readiness, and Prometheus\' liveness) logs in and passes (GNU wget for busybox\'s); without the password file it fails', () => {
    const k8sPort: Record<WebService, number> = { prometheus: 9090, alertmanager: 9093, pushgateway: 9091 };
    for (const s of webServices(spec)) {
      const ctr = at(k8sObject('Deployment', s), 'spec', 'template', 'spec', 'containers', 0);
      const probes = [at(ctr, 'readinessProbe'), at(ctr, 'livenessProbe')].filter((p) => p !== undefined);
      expect(probes.length, s).toBeGreaterThan(0);
      for (const probe of probes) {
        const command = list(at(probe, 'exec', 'command')).map(String);
        expect(command.slice(0, 2), s).toEqual(['sh', '-c']);
        const shell = local(String(command[2])).replace(`127.0.0.1:${k8sPort[s]}/`, `127.0.0.1:${PORT[s]}/`);
        const run = tool('sh', ['-c', shell]);
        expect(run.status, `${s}: ${run.out}`).toBe(0);
        expect(tool('sh', ['-c', shell.replace(secretsDir, join(work, 'nowhere'))]).status, s).not.toBe(0);
      }
    }
  });

  it('re-running keeps every hash while .env is unchanged, and replaces only the hash of a changed password', () => {
    const dir = join(work, 'project');
    const read = (p: string) => {
      try {
        return readFileSync(join(dir, p), 'utf8');
      } catch {
        return undefined;
      }
    };
    const again = webConfigFiles(spec, { env, read });
    for (const f of again) {
      expect(f.contents).toBe(read(f.path));
      expect(f.kind).toBe('seed');
      expect(f.mode).toBe(0o644);
    }
    const changed = new Map(env);
    changed.set(MONITORING_PRINCIPALS.grafana.env, 'a-new-password-for-grafana-000000');
    const prom = webConfigFiles(spec, { env: changed, read }).find((f) => f.path === webConfigPath('prometheus'));
    const before = parse(read(webConfigPath('prometheus')) ?? '') as { basic_auth_users: Record<string, string> };
    const after = parse(prom?.contents ?? '') as { basic_auth_users: Record<string, string> };
    expect(prom?.kind).toBe('merge');
    expect(after.basic_auth_users.grafana).not.toBe(before.basic_auth_users.grafana);
    expect(after.basic_auth_users.admin).toBe(before.basic_auth_users.admin);
    expect(after.basic_auth_users.prometheus).toBe(before.basic_auth_users.prometheus);
    // No password in any web config file.
    for (const f of again) for (const p of monitoringAuthSecrets(spec)) expect(f.contents).not.toContain(password(p));
  });
});
