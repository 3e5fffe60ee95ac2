/**
 * The prod monitoring logins of a Pulumi program's objects (issue: "prod secure by default"), as
 * findings (empty = fine): Prometheus, Alertmanager and the Pushgateway run with --web.config.file
 * from a Secret the program created, probe with the `prometheus` login from a file, Prometheus
 * logs in to its own targets and Alertmanager with a password_file, Grafana and the backup jobs
 * read their passwords from files, and no monitoring pod has a password in an env var. In dev,
 * none of it: the services run open.
 */
import bcrypt from 'bcryptjs';
import { parse } from 'yaml';
import { configKey } from '../../../generators/emit/k8s.ts';
import { MONITORING_PRINCIPALS, monitoringAuth, WEB_CONFIG_MOUNT, webConfigSecret, webServices, webUsers } from '../../../generators/emit/monitoring-auth.ts';
import type { StackSpec } from '../../../generators/stack/index.ts';
import { all, find, isObj, list, podTemplateOf, type K8sObject, type Obj } from './objects.ts';

/** A value at a path, or undefined (objects.ts' `at` throws on a missing step). */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const p of path) v = typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[p] : undefined;
  return v;
}
import { secretValue } from './project.ts';

const MONITORING_PODS = ['prometheus', 'alertmanager', 'pushgateway', 'grafana'];

function podSpec(obj: Obj): Obj {
  return (at(podTemplateOf(obj), 'spec') ?? {}) as Obj;
}

/** The Secret key a file path of a container comes from: a mount of a `secret` volume (items or whole Secret). */
export function secretKeyOfFile(pod: Obj, container: Obj, path: string): { secret: string; key: string } | undefined {
  const volumes = new Map(list(pod.volumes).filter(isObj).map((v) => [String(v.name), v]));
  for (const m of list(container.volumeMounts).filter(isObj)) {
    const dir = String(m.mountPath);
    const v = volumes.get(String(m.name));
    if (!v || !isObj(v.secret) || !path.startsWith(`${dir}/`)) continue;
    const rel = path.slice(dir.length + 1);
    const items = list(v.secret.items).filter(isObj);
    const key = items.length > 0 ? items.find((i) => i.path === rel)?.key : rel;
    if (key !== undefined) return { secret: String(v.secret.secretName), key: String(key) };
  }
  return undefined;
}

/** Env vars of a pod's containers that take a *PASSWORD* key of a Secret (a password in the environment). */
function passwordEnv(what: string, pod: Obj): string[] {
  return list(pod.containers).filter(isObj).flatMap((c) =>
    list(c.env)
      .filter(isObj)
      .filter((e) => /PASSWORD/.test(String(at(e, 'valueFrom', 'secretKeyRef', 'key') ?? '')))
      .map((e) => `${what}: ${String(c.name)} has ${String(e.name)} from a Secret's password key in its environment`),
  );
}

/**
 * `salt` is the one the stack's config secrets were made with (secretValue): the web configs'
 * hashes must verify those passwords, or Prometheus could not log in.
 */
export function monitoringAuthFindings(objects: readonly K8sObject[], spec: StackSpec, salt: string): string[] {
  if (!spec.monitoring.enabled) return [];
  const out: string[] = [];
  const auth = monitoringAuth(spec);
  const stackSecret = `${spec.name}-secrets`;
  const deployments = new Map(all(objects, 'Deployment').map((d) => [String(at(d, 'metadata', 'name')), d]));
  for (const name of MONITORING_PODS) {
    const d = deployments.get(name);
    if (d && auth) out.push(...passwordEnv(`Deployment/${name}`, podSpec(d)));
  }
  const promYml = parse(String(at(find(objects, 'ConfigMap', 'prometheus-config'), 'data', 'prometheus.yml'))) as Obj;
  const jobs = list(promYml.scrape_configs).filter(isObj);
  const alerting = list(at(promYml, 'alerting', 'alertmanagers')).filter(isObj);
  const prometheusPod = podSpec(deployments.get('prometheus') ?? {});
  const prometheusCtr = (list(prometheusPod.containers).filter(isObj)[0] ?? {}) as Obj;
  for (const service of ['prometheus', 'alertmanager', 'pushgateway'] as const) {
    const d = deployments.get(service);
    if (!d) continue;
    const pod = podSpec(d);
    const ctr = (list(pod.containers).filter(isObj)[0] ?? {}) as Obj;
    const args = list(ctr.args).map(String);
    const job = jobs.find((j) => j.job_name === service);
    const probes = [ctr.readinessProbe, ctr.livenessProbe].filter(isObj);
    if (!auth) {
      if (args.some((a) => a.startsWith('--web.config.file'))) out.push(`${service}: --web.config.file in ${spec.profile}`);
      if (job?.basic_auth !== undefined) out.push(`${service}: basic_auth in ${spec.profile}`);
      continue;
    }
    if (!webServices(spec).includes(service)) out.push(`${service}: not among webServices`);
    if (!args.includes(`--web.config.file=${WEB_CONFIG_MOUNT}`)) out.push(`${service}: no --web.config.file=${WEB_CONFIG_MOUNT}`);
    const from = secretKeyOfFile(pod, ctr, WEB_CONFIG_MOUNT);
    if (from?.secret !== webConfigSecret(service) || from.key !== 'web.yml') out.push(`${service}: ${WEB_CONFIG_MOUNT} is not Secret ${webConfigSecret(service)}/web.yml (${JSON.stringify(from)})`);
    const secret = all(objects, 'Secret').find((s) => at(s, 'metadata', 'name') === webConfigSecret(service));
    const webYml = at(secret, 'stringData', 'web.yml');
    if (typeof webYml !== 'string') out.push(`${service}: the program created no Secret ${webConfigSecret(service)} with web.yml`);
    else {
      const users = (parse(webYml) as { basic_auth_users?: Record<string, string> }).basic_auth_users ?? {};
      for (const p of webUsers(spec, service)) {
        const hash = users[p.user];
        if (!hash || !bcrypt.compareSync(secretValue(configKey(p.env), salt), hash)) out.push(`${service}: the hash of ${p.user} does not verify ${p.env} of the stack's Secret`);
      }
    }
    // Probes: exec with the prometheus login read from its file (no httpGet: it cannot send it).
    if (probes.length === 0) out.push(`${service}: no probe`);
    const passwordPath = String(at(job, 'basic_auth', 'password_file') ?? '');
    for (const p of probes) {
      const command = list(at(p, 'exec', 'command')).map(String).join(' ');
      if (p.httpGet !== undefined || !command.includes(`cat ${passwordPath}`) || !command.includes('Authorization: Basic')) out.push(`${service}: a probe without the prometheus login: ${JSON.stringify(p)}`);
    }
    const probeFile = secretKeyOfFile(pod, ctr, passwordPath);
    if (probeFile?.key !== MONITORING_PRINCIPALS.prometheus.env || probeFile.secret !== stackSecret) out.push(`${service}: the probes' password file ${passwordPath} is not ${stackSecret}/PROMETHEUS_PASSWORD`);
    // Prometheus logs in to this target with the prometheus principal's file.
    if (at(job, 'basic_auth', 'username') !== MONITORING_PRINCIPALS.prometheus.user) out.push(`prometheus.yml: job ${service} has no basic_auth as prometheus`);
    const promFile = secretKeyOfFile(prometheusPod, prometheusCtr, passwordPath);
    if (promFile?.key !== MONITORING_PRINCIPALS.prometheus.env || promFile.secret !== stackSecret) out.push(`prometheus.yml: job ${service}'s password_file ${passwordPath} is not mounted from ${stackSecret}/PROMETHEUS_PASSWORD`);
  }
  if (auth) {
    const am = alerting[0];
    const file = String(at(am, 'basic_auth', 'password_file') ?? '');
    if (at(am, 'basic_auth', 'username') !== 'prometheus' || secretKeyOfFile(prometheusPod, prometheusCtr, file)?.key !== MONITORING_PRINCIPALS.prometheus.env) out.push('prometheus.yml: alerting sends no prometheus login from its file');
    out.push(...grafanaFindings(objects, deployments.get('grafana'), stackSecret));
    out.push(...backupFindings(objects, spec, stackSecret));
  }
  return out;
}

function grafanaFindings(objects: readonly K8sObject[], grafana: Obj | undefined, stackSecret: string): string[] {
  if (!grafana) return ['no Grafana Deployment'];
  const out: string[] = [];
  const pod = podSpec(grafana);
  const ctr = (list(pod.containers).filter(isObj)[0] ?? {}) as Obj;
  const env = new Map(list(ctr.env).filter(isObj).map((e) => [String(e.name), e]));
  if (env.has('GF_SECURITY_ADMIN_PASSWORD')) out.push('grafana: GF_SECURITY_ADMIN_PASSWORD in the environment');
  const adminFile = String(env.get('GF_SECURITY_ADMIN_PASSWORD__FILE')?.value ?? '');
  const admin = secretKeyOfFile(pod, ctr, adminFile);
  if (admin?.secret !== stackSecret || admin.key !== 'GRAFANA_ADMIN_PASSWORD') out.push(`grafana: GF_SECURITY_ADMIN_PASSWORD__FILE ${adminFile} is not ${stackSecret}/GRAFANA_ADMIN_PASSWORD`);
  const ds = parse(String(at(find(objects, 'ConfigMap', 'grafana-provisioning'), 'data', 'datasource.yml'))) as Obj;
  const source = list(ds.datasources).filter(isObj)[0] ?? {};
  const expansion = /^\$__file\{(.+)\}$/.exec(String(at(source, 'secureJsonData', 'basicAuthPassword') ?? ''));
  const dsFile = secretKeyOfFile(pod, ctr, expansion?.[1] ?? '');
  if (source.basicAuth !== true || source.basicAuthUser !== 'grafana' || dsFile?.key !== MONITORING_PRINCIPALS.grafana.env) out.push(`grafana: the datasource does not log in as grafana from ${stackSecret}/${MONITORING_PRINCIPALS.grafana.env} (${JSON.stringify(source)})`);
  return out;
}

function backupFindings(objects: readonly K8sObject[], spec: StackSpec, stackSecret: string): string[] {
  if (!spec.backup.enabled) return [];
  const out: string[] = [];
  const jobs = all(objects, 'CronJob').filter((j) => String(at(j, 'metadata', 'name')).endsWith('-backup'));
  if (jobs.length === 0) out.push('no backup CronJob');
  for (const job of jobs) {
    const pod = podSpec(job);
    const ctr = (list(pod.containers).filter(isObj)[0] ?? {}) as Obj;
    const env = new Map(list(ctr.env).filter(isObj).map((e) => [String(e.name), e]));
    const file = String(env.get('PUSHGATEWAY_PASSWORD_FILE')?.value ?? '');
    const from = secretKeyOfFile(pod, ctr, file);
    const what = `CronJob/${String(at(job, 'metadata', 'name'))}`;
    if (env.get('PUSHGATEWAY_USER')?.value !== 'backup' || from?.secret !== stackSecret || from.key !== MONITORING_PRINCIPALS.backup.env) out.push(`${what}: does not push as backup with ${MONITORING_PRINCIPALS.backup.env} from a file (${file})`);
  }
  return out;
}
