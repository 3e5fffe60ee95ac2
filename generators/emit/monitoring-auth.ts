/**
 * Who may talk to the monitoring services of a prod stack, and how they prove it: Prometheus,
 * Alertmanager and the Pushgateway each run with `--web.config.file` (the Prometheus exporter
 * toolkit's basic auth, bcrypt hashes), one principal per component:
 *
 * | user         | password (.env)                  | where it logs in                           | what for                                      |
 * |--------------|----------------------------------|--------------------------------------------|-----------------------------------------------|
 * | `admin`      | MONITORING_ADMIN_PASSWORD        | Prometheus, Alertmanager, Pushgateway      | people: UIs, APIs, amtool, silences           |
 * | `prometheus` | PROMETHEUS_PASSWORD              | Prometheus, Alertmanager, Pushgateway      | scrapes (itself too), sends alerts; healthchecks |
 * | `grafana`    | GRAFANA_DATASOURCE_PASSWORD      | Prometheus                                 | the Grafana datasource's queries              |
 * | `backup`     | PUSHGATEWAY_BACKUP_PASSWORD      | Pushgateway                                | backup jobs push their success time           |
 *
 * Where the hashes come from (a choice): the images hold no bcrypt tool (busybox has none, and the
 * toolkit accepts bcrypt only), so a hash cannot be made inside the container at start without
 * another image. The generator hashes the .env passwords instead, at generation time, into
 * `secrets/monitoring/<service>-web.yml`: the git-ignored folder that already holds what derives
 * from secrets (secrets/tls/), created and kept like .env. A hash is kept while it still matches
 * its .env password (no churn on re-runs) and replaced when the password changed. The files are
 * 0644: the hash of a 192-bit random password reveals nothing usable, and the images' user
 * (nobody) must read the bind-mounted file.
 *
 * The dev profile stays open on 127.0.0.1 (its README says so).
 */
import bcrypt from 'bcryptjs';
import type { StackSpec } from '../stack/index.ts';
import { parse } from 'yaml';
import { composeSecret, SECRETS_DIR } from './compose-model.ts';
import { yamlFile, type GeneratedFile } from './files.ts';

export type WebService = 'prometheus' | 'alertmanager' | 'pushgateway';

export interface MonitoringPrincipal {
  readonly user: string;
  /** The .env variable (and compose secret, lower case) holding its password. */
  readonly env: string;
  readonly description: string;
}

export const MONITORING_PRINCIPALS = {
  admin: { user: 'admin', env: 'MONITORING_ADMIN_PASSWORD', description: 'Password of "admin" on Prometheus, Alertmanager and the Pushgateway (people: UIs, APIs, amtool)' },
  prometheus: { user: 'prometheus', env: 'PROMETHEUS_PASSWORD', description: 'Password of "prometheus": Prometheus scraping itself, Alertmanager and the Pushgateway, and sending alerts (the healthchecks use it too)' },
  grafana: { user: 'grafana', env: 'GRAFANA_DATASOURCE_PASSWORD', description: 'Password of "grafana": the Grafana datasource\'s login to Prometheus' },
  backup: { user: 'backup', env: 'PUSHGATEWAY_BACKUP_PASSWORD', description: 'Password of "backup": the backup jobs\' login to the Pushgateway' },
} as const satisfies Record<string, MonitoringPrincipal>;

/**
 * bcrypt cost 8 (2^8 rounds; Go's DefaultCost is 10): the passwords brokerplate generates carry 192
 * random bits, beyond any guessing at any cost, while a prod generation pays one check per
 * principal and run (webConfigFiles; cost 10 took 0.4 s a check in bcryptjs here, against the
 * generation's 0.5 s budget). The toolkit caches a successful check, so the servers pay it about
 * once per client. A hand-chosen password in .env should be as long and random.
 */
const BCRYPT_COST = 8;

/** Where each service's web config is mounted in its container (outside the config folders, which are read-only bind mounts). */
export const WEB_CONFIG_MOUNT = '/etc/brokerplate/web.yml';

export function webConfigPath(service: WebService): string {
  return `secrets/monitoring/${service}-web.yml`;
}

/** True when the monitoring services of this stack authenticate (prod). */
export function monitoringAuth(spec: StackSpec): boolean {
  return spec.monitoring.enabled && spec.profile === 'prod';
}

/** The services with a web config: the Pushgateway only exists with backups. */
export function webServices(spec: StackSpec): WebService[] {
  if (!monitoringAuth(spec)) return [];
  return spec.backup.enabled ? ['prometheus', 'alertmanager', 'pushgateway'] : ['prometheus', 'alertmanager'];
}

/** Who may log in to each service. */
export function webUsers(spec: StackSpec, service: WebService): MonitoringPrincipal[] {
  const P = MONITORING_PRINCIPALS;
  if (service === 'prometheus') return [P.admin, P.prometheus, P.grafana];
  if (service === 'alertmanager') return [P.admin, P.prometheus];
  return spec.backup.enabled ? [P.admin, P.prometheus, P.backup] : [P.admin, P.prometheus];
}

/** The passwords of a prod stack's monitoring principals (.env, compose secrets, the Kubernetes Secret). */
export function monitoringAuthSecrets(spec: StackSpec): MonitoringPrincipal[] {
  const all = new Map(webServices(spec).flatMap((s) => webUsers(spec, s)).map((p) => [p.env, p]));
  return [...all.values()];
}

/**
 * True for the passwords of these logins. The Kubernetes program needs them in its prod stack
 * only (dev runs the monitoring services open, inside the NetworkPolicies): k8s.ts lists them in
 * the prod stack's Secret and `pulumi config` keys, not in dev's.
 */
export function isMonitoringLogin(env: string): boolean {
  return Object.values(MONITORING_PRINCIPALS).some((p) => p.env === env);
}

/** The password file of a principal inside a container (a compose secret, or a Kubernetes Secret key mounted as a file). */
export function passwordFile(principal: { readonly env: string }): string {
  return composeSecret(principal.env).target;
}

/** Kubernetes (prod): the Secret the Pulumi program fills from `secrets/monitoring/<service>-web.yml` (key WEB_CONFIG_KEY). */
export function webConfigSecret(service: WebService): string {
  return `${service}-web-config`;
}
export const WEB_CONFIG_KEY = 'web.yml';

/**
 * Kubernetes (prod): the Secret (key `username`) naming the `prometheus` principal, which the
 * Pulumi program creates. The Prometheus operator's ServiceMonitor takes the user name of its
 * `basicAuth` from a Secret too, not as text; the password comes from the stack's Secret, so no
 * second copy of it exists.
 */
export const SCRAPE_USER_SECRET = 'prometheus-scrape-user';

/** The key of SCRAPE_USER_SECRET naming a login's user: `username` for `prometheus`, `<env without _PASSWORD>_user` for a broker principal. */
export function scrapeUserKey(login: { readonly env: string }): string {
  return login.env === MONITORING_PRINCIPALS.prometheus.env ? 'username' : `${login.env.replace(/_PASSWORD$/, '').toLowerCase()}_user`;
}

/** A ServiceMonitor endpoint's `basicAuth` (prod): the `prometheus` principal by default, as Prometheus' own scrape jobs log in. */
export function operatorBasicAuth(stackSecret: string, login: { readonly env: string } = MONITORING_PRINCIPALS.prometheus): { username: { name: string; key: string }; password: { name: string; key: string } } {
  return { username: { name: SCRAPE_USER_SECRET, key: scrapeUserKey(login) }, password: { name: stackSecret, key: login.env } };
}

/**
 * Kubernetes: the principals' passwords as files, from the stack's Secret (keys named like .env)
 * mounted read-only at `dir`, each file named as composeSecret() names it, so under the default
 * SECRETS_DIR the paths equal compose's (passwordFile()) and prometheus.yml / the Grafana
 * datasource serve both targets. 0440: the pods' fsGroup is their user's group.
 */
export function k8sPasswordFiles(
  secretName: string,
  principals: readonly { readonly env: string }[],
  volume: string,
  dir = SECRETS_DIR,
): { volume: Record<string, unknown>; mount: { readonly name: string; readonly mountPath: string; readonly readOnly: true }; file: (p: { readonly env: string }) => string } {
  return {
    volume: { name: volume, secret: { secretName, defaultMode: 0o440, items: principals.map((p) => ({ key: p.env, path: composeSecret(p.env).source })) } },
    mount: { name: volume, mountPath: dir, readOnly: true },
    file: (p) => `${dir}/${composeSecret(p.env).source}`,
  };
}

/** `basic_auth` of a Prometheus scrape job or alerting target: the `prometheus` principal, password from its file. */
export function prometheusBasicAuth(): { username: string; password_file: string } {
  return { username: MONITORING_PRINCIPALS.prometheus.user, password_file: passwordFile(MONITORING_PRINCIPALS.prometheus) };
}

/**
 * The healthcheck of an authenticating service: busybox wget (in the Prometheus project's images)
 * with the `prometheus` principal's Basic credentials read from its password file at run time,
 * so no password is in the container's configuration. `$$` is compose's literal `$`.
 */
export function authHealthcheckShell(port: number, path: string, dollar = '$$'): string {
  const d = dollar;
  const file = passwordFile(MONITORING_PRINCIPALS.prometheus);
  return `wget -qO- --header "Authorization: Basic ${d}(printf '%s:%s' ${MONITORING_PRINCIPALS.prometheus.user} "${d}(cat ${file})" | base64 | tr -d '\\n')" http://127.0.0.1:${port}${path}`;
}

/** What the web config files need from the run: the .env values, the files on disk, and the hash function. */
export interface WebConfigInputs {
  readonly env: ReadonlyMap<string, string>;
  /** A project file's text, or undefined when absent. */
  read(path: string): string | undefined;
  /** bcrypt with a random salt (injectable for tests). */
  hash?(password: string): string;
}

const HEADER = [
  'Basic auth of this service (--web.config.file), generated by brokerplate from the passwords in .env.',
  'bcrypt hashes, not passwords; kept while they match .env, replaced when a password there changes.',
  'Git-ignored like .env (secrets/). Docs: https://prometheus.io/docs/prometheus/latest/configuration/https/',
].join('\n');

/** user → bcrypt hash from a web config on disk; anything unreadable counts as absent (hashed anew). */
function existingHashes(text: string | undefined): Map<string, string> {
  const found = new Map<string, string>();
  if (text === undefined) return found;
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return found;
  }
  const users = (doc as { basic_auth_users?: unknown } | null)?.basic_auth_users;
  if (typeof users !== 'object' || users === null) return found;
  for (const [user, hash] of Object.entries(users)) if (typeof hash === 'string' && /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) found.set(user, hash);
  return found;
}

/**
 * The web config files of a prod stack as files of the write plan (beside the manifest, like
 * .env): each user's hash kept when it still verifies the .env password, else made anew.
 * A file equal to the one on disk is a seed; a changed one a merge (rewritten, never a conflict).
 */
export function webConfigFiles(spec: StackSpec, inputs: WebConfigInputs): GeneratedFile[] {
  const hash = inputs.hash ?? ((p: string) => bcrypt.hashSync(p, BCRYPT_COST));
  const services = webServices(spec);
  const onDisk = new Map(services.map((s) => [s, inputs.read(webConfigPath(s))]));
  // One hash per principal, shared by the files that list it: a bcrypt check costs ~0.1-0.4 s, so
  // a re-run verifies each principal once (the first hash on disk that matches its password).
  const hashes = new Map<string, string>();
  const hashOf = (p: MonitoringPrincipal): string => {
    const known = hashes.get(p.user);
    if (known !== undefined) return known;
    const password = inputs.env.get(p.env);
    if (!password) throw new Error(`secrets/monitoring: ${p.env} has no value in .env`);
    const candidates = [...new Set(services.map((s) => existingHashes(onDisk.get(s)).get(p.user)).filter((h) => h !== undefined))];
    const made = candidates.find((h) => bcrypt.compareSync(password, h)) ?? hash(password);
    hashes.set(p.user, made);
    return made;
  };
  return services.map((service) => {
    const path = webConfigPath(service);
    const users = Object.fromEntries(webUsers(spec, service).map((p) => [p.user, hashOf(p)]));
    const file = yamlFile(path, { basic_auth_users: users }, HEADER);
    const before = onDisk.get(service);
    return { ...file, kind: before === undefined || before === file.contents ? 'seed' : 'merge', mode: 0o644 } satisfies GeneratedFile;
  });
}
