/**
 * Reading what a generated program declared under the mocks: the Kubernetes objects (with
 * Pulumi's secret wrappers unwrapped), their validation against the Kubernetes schema of
 * kubernetes-models, and Pod Security checks.
 *
 * kubernetes-models' validators check required fields, types and enums but accept unknown
 * fields, so `validateObject` also watches which properties the validator reads: the compiled
 * validator reads every property its schema knows (and enumerates free-form maps such as
 * labels), so a property it never touched is one the schema does not have: a typo like
 * `runAsNonRot` or `readinesProbe` that Kubernetes would silently drop.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../../support/cli.ts';
import type { MockResource, MockRun } from './run-mocks.ts';

export type Obj = Record<string, unknown>;

const SIG_KEY = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isSecretWrapper(value: unknown): value is { value: unknown } {
  return isObj(value) && value[SIG_KEY] === SECRET_SIG;
}

/** The value with every secret wrapper replaced by what it wraps (or by `replacement`'s result). */
export function unwrap(value: unknown, replacement?: (inner: unknown) => unknown): unknown {
  if (isSecretWrapper(value)) return replacement ? replacement(value.value) : unwrap(value.value);
  if (Array.isArray(value)) return value.map((v) => unwrap(v, replacement));
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v, replacement)]));
  return value;
}

/** As `npm run render` shows it: secret leaves become "[secret]", structure kept. */
export function redacted(value: unknown): unknown {
  const hide = (inner: unknown): unknown => (Array.isArray(inner) ? inner.map(hide) : isObj(inner) ? Object.fromEntries(Object.entries(inner).map(([k, v]) => [k, hide(v)])) : '[secret]');
  return unwrap(value, (inner) => hide(unwrap(inner)));
}

export interface K8sObject {
  readonly resource: MockResource;
  /** The object with secrets unwrapped. */
  readonly obj: Obj;
  readonly kind: string;
  readonly name: string;
}

/** An object from an emitted file rather than a Pulumi run (no mock resource behind it), for the same checks. */
export function fileObject(obj: Obj): K8sObject {
  return { resource: undefined as never, obj, kind: String(obj.kind), name: String((obj.metadata as { name?: string } | undefined)?.name) };
}

/** The Kubernetes objects of a run: the provider's custom resources (not components, not providers). */
export function k8sObjects(run: MockRun): K8sObject[] {
  return run.resources
    .filter((r) => r.custom && r.type.startsWith('kubernetes:'))
    .map((resource) => {
      const obj = unwrap(resource.inputs) as Obj;
      const metadata = isObj(obj.metadata) ? obj.metadata : {};
      return { resource, obj, kind: String(obj.kind), name: String(metadata.name) };
    });
}

export function find(objects: readonly K8sObject[], kind: string, name: string): Obj {
  const found = objects.find((o) => o.kind === kind && o.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.name}`).join(', ')}`);
  return found.obj;
}

export function all(objects: readonly K8sObject[], kind: string): Obj[] {
  return objects.filter((o) => o.kind === kind).map((o) => o.obj);
}

/** Follows a path of keys/indexes; throws with the path when something is missing. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof key === 'number' ? !Array.isArray(current) : !isObj(current)) throw new Error(`missing ${path.join('.')} (stopped at ${String(key)})`);
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

// ---------------------------------------------------------------- schema

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };

/** kubernetes-models' schema module of an apiVersion/kind: `IoK8sApi<Group><Version><Kind>`. */
export function schemaName(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return `IoK8sApi${cap((group ?? '').split('.')[0] ?? '')}${cap(version ?? '')}${kind}`;
}

/**
 * The Prometheus operator's kinds come from @kubernetes-models/prometheus-operator, cert-manager's
 * from @kubernetes-models/cert-manager (same generator, CRD schemas).
 */
const OPERATOR_GROUP = 'monitoring.coreos.com/';
const OPERATOR_PACKAGE = '@kubernetes-models/prometheus-operator';
const CERT_MANAGER_GROUP = 'cert-manager.io/';
const CERT_MANAGER_PACKAGE = '@kubernetes-models/cert-manager';

function schemaModule(apiVersion: string, kind: string): { pkg: string; name: string } {
  if (apiVersion.startsWith(OPERATOR_GROUP)) {
    const version = apiVersion.slice(OPERATOR_GROUP.length);
    return { pkg: OPERATOR_PACKAGE, name: `ComGithubPrometheusOperatorPrometheusOperatorPkgApisMonitoring${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}` };
  }
  if (apiVersion.startsWith(CERT_MANAGER_GROUP)) {
    const version = apiVersion.slice(CERT_MANAGER_GROUP.length);
    return { pkg: CERT_MANAGER_PACKAGE, name: `ComGithubCertManagerCertManagerPkgApisCertmanager${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}` };
  }
  return { pkg: 'kubernetes-models', name: schemaName(apiVersion, kind) };
}

const validators = new Map<string, Validate>();

async function validatorFor(apiVersion: string, kind: string): Promise<Validate> {
  const { pkg, name } = schemaModule(apiVersion, kind);
  let validate = validators.get(name);
  if (!validate) {
    const file = join(ROOT, 'node_modules', pkg, '_schemas', `${name}.js`);
    if (!existsSync(file)) throw new Error(`${pkg} has no schema for ${apiVersion} ${kind} (${name})`);
    // By file: the operator package does not export its _schemas/ folder.
    validate = ((await import(pathToFileURL(file).href)) as { validate: Validate }).validate;
    validators.set(name, validate);
  }
  return validate;
}

export interface Verdict {
  readonly errors: readonly string[];
  /** Paths of properties the schema does not know. */
  readonly unknown: readonly string[];
}

/** Validates one object against the Kubernetes schema and reports the properties the schema does not know. */
export async function validateObject(obj: Obj): Promise<Verdict> {
  const validate = await validatorFor(String(obj.apiVersion), String(obj.kind));
  const checks: (() => string[])[] = [];
  const watch = (value: unknown, path: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const read = new Set<string>();
    let enumerated = false;
    const target: Obj | unknown[] = Array.isArray(value) ? value.map((v, i) => watch(v, `${path}/${i}`)) : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, watch(v, `${path}/${k}`)]));
    if (!Array.isArray(value)) {
      checks.push(() => (enumerated ? [] : Object.keys(value).filter((k) => !read.has(k)).map((k) => `${path}/${k}`)));
    }
    return new Proxy(target, {
      get(t, key, receiver) {
        if (typeof key === 'string') read.add(key);
        return Reflect.get(t, key, receiver) as unknown;
      },
      has(t, key) {
        if (typeof key === 'string') read.add(key);
        return Reflect.has(t, key);
      },
      ownKeys(t) {
        enumerated = true;
        return Reflect.ownKeys(t);
      },
    });
  };
  const ok = validate(watch(obj, ''));
  const errors = ok ? [] : (validate.errors ?? []).map((e) => JSON.stringify(e));
  // apiVersion and kind are read by nobody but are the object's identity.
  const unknown = checks.flatMap((c) => c()).filter((p) => p !== '/apiVersion' && p !== '/kind');
  return { errors, unknown };
}

// ---------------------------------------------------------------- pods

/** The pod template of a workload object. */
export function podTemplateOf(obj: Obj): Obj | undefined {
  if (obj.kind === 'CronJob') return at(obj, 'spec', 'jobTemplate', 'spec', 'template') as Obj;
  if (['StatefulSet', 'Deployment', 'DaemonSet', 'Job'].includes(String(obj.kind))) return at(obj, 'spec', 'template') as Obj;
  return undefined;
}

export function containersOf(podSpec: Obj): Obj[] {
  return [...list(podSpec.initContainers), ...list(podSpec.containers)].filter(isObj);
}

const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/**
 * Violations of the Pod Security Standard "restricted" (kubernetes.io/docs/concepts/security/pod-security-standards),
 * which the generated namespace enforces: the API server would reject such a pod.
 */
export function restrictedViolations(podSpec: Obj): string[] {
  const out: string[] = [];
  const pod = isObj(podSpec.securityContext) ? podSpec.securityContext : {};
  if (podSpec.hostNetwork || podSpec.hostPID || podSpec.hostIPC) out.push('host namespaces');
  for (const v of list(podSpec.volumes).filter(isObj)) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (!type || !RESTRICTED_VOLUMES.includes(type)) out.push(`volume ${String(v.name)} of type ${String(type)}`);
  }
  if (pod.runAsUser === 0) out.push('pod runAsUser 0');
  for (const c of containersOf(podSpec)) {
    const sc = isObj(c.securityContext) ? c.securityContext : {};
    const name = String(c.name);
    if (sc.privileged === true) out.push(`${name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${name}: allowPrivilegeEscalation is not false`);
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) out.push(`${name}: runAsNonRoot is not true`);
    if (sc.runAsUser === 0) out.push(`${name}: runAsUser 0`);
    const seccomp = isObj(sc.seccompProfile) ? sc.seccompProfile : isObj(pod.seccompProfile) ? pod.seccompProfile : {};
    if (seccomp.type !== 'RuntimeDefault' && seccomp.type !== 'Localhost') out.push(`${name}: seccompProfile ${String(seccomp.type)}`);
    const caps = isObj(sc.capabilities) ? sc.capabilities : {};
    if (!list(caps.drop).includes('ALL')) out.push(`${name}: capabilities do not drop ALL`);
    const added = list(caps.add).filter((c) => c !== 'NET_BIND_SERVICE');
    if (added.length > 0) out.push(`${name}: adds ${added.join(',')}`);
    for (const p of list(c.ports).filter(isObj)) if (p.hostPort !== undefined) out.push(`${name}: hostPort`);
  }
  return out;
}
