/**
 * Do the objects of a program fit together the way Kubernetes would connect them? Services
 * select pods that have the ports they name, volumes and secret keys exist, NetworkPolicies
 * admit who must get in, and monitoring reaches every target it scrapes: the static scrape
 * config of the generated Prometheus and the Prometheus operator's ServiceMonitors. Each
 * function returns findings (empty = fine), like checks.ts, so mutation.test.ts can show that
 * each one fails on a broken program.
 *
 * Kubernetes semantics modelled here (kubernetes.io/docs/concepts/services-networking/):
 * a Service selects pods whose labels include its selector and forwards to `targetPort` (a
 * container port's name or number); pods of a StatefulSet are `<set>-<n>.<serviceName>`; a pod
 * selected by some Ingress NetworkPolicy only admits what one of their rules allows (a peer
 * matched by podSelector in the policy's namespace and/or namespaceSelector, on a listed port).
 */
import { parse } from 'yaml';
import { all, at, isObj, list, podTemplateOf, type K8sObject, type Obj } from './objects.ts';

const WORKLOADS = new Set(['StatefulSet', 'Deployment', 'DaemonSet']);

/** Who connects: a pod's labels and its namespace (with the namespace's labels). */
export interface Peer {
  readonly labels: Obj;
  readonly namespace: string;
  readonly namespaceLabels: Obj;
}

export function peerIn(namespace: string, labels: Obj, namespaceLabels: Obj = {}): Peer {
  return { labels, namespace, namespaceLabels: { 'kubernetes.io/metadata.name': namespace, ...namespaceLabels } };
}

function subset(selector: unknown, labels: unknown): boolean {
  if (!isObj(selector)) return false;
  const have = isObj(labels) ? labels : {};
  return Object.entries(selector).every(([k, v]) => have[k] === v);
}

function namespaceOf(o: Obj): string {
  return String(at(o, 'metadata', 'namespace'));
}

function nameOf(o: Obj): string {
  return String(at(o, 'metadata', 'name'));
}

/** A workload's pod template: its labels and main containers. */
export interface PodsOf {
  readonly obj: Obj;
  readonly what: string;
  readonly labels: Obj;
  readonly containers: Obj[];
}

export function podsOf(o: Obj): PodsOf | undefined {
  const template = podTemplateOf(o);
  if (!template) return undefined;
  return {
    obj: o,
    what: `${String(o.kind)}/${nameOf(o)}`,
    labels: (isObj(template.metadata) && isObj(template.metadata.labels) ? template.metadata.labels : {}) as Obj,
    containers: list(at(template, 'spec', 'containers')).filter(isObj),
  };
}

function allPods(objects: readonly K8sObject[]): PodsOf[] {
  return objects.map((o) => podsOf(o.obj)).filter((p): p is PodsOf => p !== undefined);
}

/** The container port a Service targetPort / probe port names (by name or number); undefined if no main container has it. */
export function containerPort(pods: PodsOf, port: unknown): number | undefined {
  for (const c of pods.containers) {
    for (const p of list(c.ports).filter(isObj)) {
      if (typeof port === 'string' && p.name === port) return Number(p.containerPort);
      if (typeof port === 'number' && p.containerPort === port) return port;
    }
  }
  return undefined;
}

/** Pods selected by a Service (same namespace). */
export function selectedBy(objects: readonly K8sObject[], service: Obj): PodsOf[] {
  const selector = at(service, 'spec', 'selector');
  if (!isObj(selector) || Object.keys(selector).length === 0) return [];
  return allPods(objects).filter((p) => namespaceOf(p.obj) === namespaceOf(service) && subset(selector, p.labels));
}

/** Does any Ingress NetworkPolicy selecting `target` (or none at all) admit `peer` on container port `port`? */
export function admits(objects: readonly K8sObject[], target: PodsOf, port: number, peer: Peer): boolean {
  const policies = all(objects, 'NetworkPolicy').filter(
    (p) => namespaceOf(p) === namespaceOf(target.obj) && list(at(p, 'spec', 'policyTypes')).includes('Ingress') && subset(at(p, 'spec', 'podSelector', 'matchLabels') ?? {}, target.labels),
  );
  if (policies.length === 0) return true;
  const portName = target.containers.flatMap((c) => list(c.ports).filter(isObj)).find((p) => p.containerPort === port)?.name;
  return policies.some((policy) =>
    list(at(policy, 'spec', 'ingress')).filter(isObj).some((rule) => {
      const from = list(rule.from).filter(isObj);
      const fromOk =
        from.length === 0 ||
        from.some((f) => {
          const pods = isObj(f.podSelector) ? f.podSelector : undefined;
          const nss = isObj(f.namespaceSelector) ? f.namespaceSelector : undefined;
          const nsOk = nss ? subset(nss.matchLabels ?? {}, peer.namespaceLabels) : peer.namespace === namespaceOf(policy);
          const podOk = pods ? subset(pods.matchLabels ?? {}, peer.labels) : true;
          return (pods !== undefined || nss !== undefined) && nsOk && podOk;
        });
      const ports = list(rule.ports).filter(isObj);
      const portOk = rule.ports === undefined || ports.some((p) => p.port === port || (portName !== undefined && p.port === portName));
      return fromOk && portOk;
    }),
  );
}

// ---------------------------------------------------------------- Services and references

/** Every Service selects pods of a StatefulSet or Deployment that exists, and every targetPort is a port of those pods. */
export function serviceFindings(objects: readonly K8sObject[]): string[] {
  const out: string[] = [];
  for (const svc of all(objects, 'Service')) {
    const what = `Service/${nameOf(svc)}`;
    const pods = selectedBy(objects, svc);
    if (pods.length === 0) out.push(`${what} selects no pods`);
    for (const p of pods) {
      if (!WORKLOADS.has(String(p.obj.kind))) out.push(`${what} selects the pods of ${p.what}`);
      for (const port of list(at(svc, 'spec', 'ports')).filter(isObj)) {
        if (containerPort(p, port.targetPort ?? port.port) === undefined) out.push(`${what} port ${String(port.name)} targets ${String(port.targetPort)}, which ${p.what} does not have`);
      }
    }
  }
  return out;
}

/** ConfigMaps, Secrets, PVCs and secret keys the pods reference exist; configMap subPaths are keys of their ConfigMap; no env var is set twice. */
export function referenceFindings(objects: readonly K8sObject[]): string[] {
  const out: string[] = [];
  const byName = (kind: string, ns: string, name: unknown) => all(objects, kind).find((o) => namespaceOf(o) === ns && nameOf(o) === name);
  /** A Secret's keys: one the program creates, or the one a cert-manager Certificate of the program keeps its key pair in (tls.crt, tls.key, ca.crt). */
  const secretKeys = (ns: string, name: unknown): string[] | undefined => {
    const secret = byName('Secret', ns, name);
    if (secret) return [...Object.keys(isObj(secret.stringData) ? secret.stringData : {}), ...Object.keys(isObj(secret.data) ? secret.data : {})];
    // A cert-manager Certificate writes its Secret at run time: tls.crt, tls.key, ca.crt, and tls-combined.pem when asked for.
    const cert = all(objects, 'Certificate').find((c) => namespaceOf(c) === ns && at(c, 'spec', 'secretName') === name);
    if (!cert) return undefined;
    const combined = list(at(cert, 'spec', 'additionalOutputFormats')).some((f) => isObj(f) && f.type === 'CombinedPEM');
    return ['tls.crt', 'tls.key', 'ca.crt', ...(combined ? ['tls-combined.pem'] : [])];
  };
  for (const pods of allPods(objects)) {
    const ns = namespaceOf(pods.obj);
    const spec = at(podTemplateOf(pods.obj), 'spec') as Obj;
    const claims = new Set(list(isObj(pods.obj.spec) ? pods.obj.spec.volumeClaimTemplates : undefined).filter(isObj).map((c) => String(at(c, 'metadata', 'name'))));
    const volumes = new Map(list(spec.volumes).filter(isObj).map((v) => [String(v.name), v]));
    for (const v of volumes.values()) {
      if (isObj(v.configMap) && !byName('ConfigMap', ns, v.configMap.name)) out.push(`${pods.what}: volume ${String(v.name)} needs ConfigMap ${String(v.configMap.name)}`);
      if (isObj(v.secret)) {
        const keys = secretKeys(ns, v.secret.secretName);
        if (!keys) out.push(`${pods.what}: volume ${String(v.name)} needs Secret ${String(v.secret.secretName)}`);
        for (const item of list(v.secret.items).filter(isObj)) {
          if (keys && !keys.includes(String(item.key))) out.push(`${pods.what}: volume ${String(v.name)} reads key ${String(item.key)} of Secret ${String(v.secret.secretName)}, which does not exist`);
        }
      }
      if (isObj(v.persistentVolumeClaim) && !byName('PersistentVolumeClaim', ns, v.persistentVolumeClaim.claimName)) out.push(`${pods.what}: volume ${String(v.name)} needs PersistentVolumeClaim ${String(v.persistentVolumeClaim.claimName)}`);
    }
    for (const c of [...list(spec.initContainers), ...list(spec.containers)].filter(isObj)) {
      for (const m of list(c.volumeMounts).filter(isObj)) {
        const v = volumes.get(String(m.name));
        if (!v && !claims.has(String(m.name))) out.push(`${pods.what}: ${String(c.name)} mounts undeclared volume ${String(m.name)}`);
        if (v && isObj(v.configMap) && typeof m.subPath === 'string') {
          const data = at(byName('ConfigMap', ns, v.configMap.name) ?? {}, 'data');
          if (!isObj(data) || !(m.subPath in data)) out.push(`${pods.what}: ${String(c.name)} mounts key ${m.subPath}, which ConfigMap ${String(v.configMap.name)} lacks`);
        }
      }
      const names = list(c.env).filter(isObj).map((e) => String(e.name));
      for (const dup of new Set(names.filter((n, i) => names.indexOf(n) !== i))) out.push(`${pods.what}: ${String(c.name)} sets ${dup} twice (the last one wins)`);
      for (const e of list(c.env).filter(isObj)) {
        const ref = isObj(e.valueFrom) && isObj(e.valueFrom.secretKeyRef) ? e.valueFrom.secretKeyRef : undefined;
        if (!ref) continue;
        const secret = byName('Secret', ns, ref.name);
        const keys = secret ? [...Object.keys(isObj(secret.stringData) ? secret.stringData : {}), ...Object.keys(isObj(secret.data) ? secret.data : {})] : [];
        if (!keys.includes(String(ref.key))) out.push(`${pods.what}: ${String(c.name)} reads ${String(e.name)} from ${String(ref.name)}/${String(ref.key)}, which does not exist`);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- what Prometheus reaches

/** A host as a pod resolves it in `namespace`: a StatefulSet pod (`<set>-<n>.<headless>`) or a Service (`<svc>.<ns>.svc`). */
export type Resolved =
  | { readonly kind: 'pod'; readonly pods: PodsOf; readonly ordinal: number; readonly port: number }
  | { readonly kind: 'service'; readonly service: Obj; readonly pods: PodsOf[]; readonly port: number };

export function resolve(objects: readonly K8sObject[], namespace: string, host: string, port: number): Resolved | string {
  const local = host.replace(new RegExp(`\\.${namespace.replace(/[.-]/g, '\\$&')}\\.svc(\\.cluster\\.local)?$`), '');
  const qualifiedOrBare = local !== host || !host.includes('.');
  const podMatch = /^([a-z0-9-]+)-(\d+)\.([a-z0-9-]+)$/.exec(local);
  if (podMatch) {
    const [, setName, ordinal, serviceName] = podMatch;
    const set = all(objects, 'StatefulSet').find((s) => namespaceOf(s) === namespace && nameOf(s) === setName && at(s, 'spec', 'serviceName') === serviceName);
    if (!set) return `${host}: no StatefulSet ${String(setName)} with serviceName ${String(serviceName)}`;
    const headless = all(objects, 'Service').find((s) => namespaceOf(s) === namespace && nameOf(s) === serviceName);
    if (!headless || at(headless, 'spec', 'clusterIP') !== 'None') return `${host}: ${String(serviceName)} is not a headless Service`;
    const pods = podsOf(set) as PodsOf;
    if (!subset(at(headless, 'spec', 'selector'), pods.labels)) return `${host}: Service ${String(serviceName)} does not select the pods of StatefulSet/${String(setName)}`;
    if (Number(ordinal) >= Number(at(set, 'spec', 'replicas'))) return `${host}: StatefulSet/${String(setName)} has no pod ${String(ordinal)}`;
    if (containerPort(pods, port) === undefined) return `${host}:${port}: StatefulSet/${String(setName)} has no container port ${port}`;
    return { kind: 'pod', pods, ordinal: Number(ordinal), port };
  }
  if (qualifiedOrBare) {
    const service = all(objects, 'Service').find((s) => namespaceOf(s) === namespace && nameOf(s) === local);
    if (!service) return `${host}: no Service ${local}`;
    const svcPort = list(at(service, 'spec', 'ports')).filter(isObj).find((p) => p.port === port);
    if (!svcPort) return `${host}:${port}: Service ${local} has no port ${port}`;
    const pods = selectedBy(objects, service);
    if (pods.length === 0) return `${host}: Service ${local} selects no pods`;
    const target = containerPort(pods[0] as PodsOf, svcPort.targetPort ?? port);
    if (target === undefined || pods.some((p) => containerPort(p, svcPort.targetPort ?? port) !== target)) return `${host}:${port}: the pods of Service ${local} lack its targetPort ${String(svcPort.targetPort)}`;
    return { kind: 'service', service, pods, port: target };
  }
  return `${host}: not a name pods resolve in ${namespace}`;
}

function reach(objects: readonly K8sObject[], namespace: string, address: string, from: Peer, who: string): string[] {
  const m = /^(?:[a-z]+:\/\/)?([^:/]+):(\d+)$/.exec(address);
  if (!m) return [`${who} -> ${address}: not host:port`];
  const resolved = resolve(objects, namespace, m[1] ?? '', Number(m[2]));
  if (typeof resolved === 'string') return [`${who} -> ${resolved}`];
  const targets = resolved.kind === 'pod' ? [resolved.pods] : resolved.pods;
  return targets.filter((t) => !admits(objects, t, resolved.port, from)).map((t) => `${who} -> ${address}: the NetworkPolicy of ${t.what} refuses it on port ${resolved.port}`);
}

/** The Prometheus config the generated Prometheus Deployment mounts (ConfigMap prometheus-config). */
export interface ScrapeConfig {
  readonly job_name: string;
  readonly metrics_path?: string;
  readonly scheme?: string;
  readonly tls_config?: { readonly ca_file?: string; readonly server_name?: string };
  readonly static_configs: { readonly targets: readonly string[] }[];
  readonly relabel_configs?: { readonly source_labels?: readonly string[]; readonly target_label?: string; readonly replacement?: string }[];
}

export interface PrometheusYml {
  readonly scrape_configs: readonly ScrapeConfig[];
  readonly alerting: { readonly alertmanagers: { readonly static_configs: { readonly targets: readonly string[] }[] }[] };
}

export function prometheusYml(objects: readonly K8sObject[]): PrometheusYml {
  const cm = all(objects, 'ConfigMap').find((o) => nameOf(o) === 'prometheus-config');
  return parse(String(at(cm, 'data', 'prometheus.yml'))) as PrometheusYml;
}

/** The exporter address of a multi-target job (`__address__` replaced), or undefined for a plain job. */
export function exporterOf(job: ScrapeConfig): string | undefined {
  return job.relabel_configs?.find((r) => r.target_label === '__address__')?.replacement;
}

/**
 * Every address the generated Prometheus scrapes or alerts to resolves to pods that listen there
 * and whose NetworkPolicy admits Prometheus; for a multi-target exporter (redis_exporter), every
 * probed node admits the exporter's pods.
 */
export function scrapeFindings(objects: readonly K8sObject[], namespace: string): string[] {
  const deployment = all(objects, 'Deployment').find((d) => nameOf(d) === 'prometheus');
  if (!deployment) return ['no Deployment prometheus'];
  const prometheus = podsOf(deployment) as PodsOf;
  const from = peerIn(namespace, prometheus.labels);
  const config = prometheusYml(objects);
  const out: string[] = [];
  for (const am of config.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets))) out.push(...reach(objects, namespace, am, from, 'alerting'));
  for (const job of config.scrape_configs) {
    const targets = job.static_configs.flatMap((s) => s.targets);
    const exporter = exporterOf(job);
    if (!exporter) {
      for (const t of targets) {
        if (t.startsWith('localhost:')) {
          if (containerPort(prometheus, Number(t.slice('localhost:'.length))) === undefined) out.push(`job ${job.job_name} -> ${t}: Prometheus does not listen there`);
        } else out.push(...reach(objects, namespace, t, from, `job ${job.job_name}`));
      }
      continue;
    }
    out.push(...reach(objects, namespace, exporter, from, `job ${job.job_name} (exporter)`));
    const m = /^([^:]+):(\d+)$/.exec(exporter);
    const resolved = m ? resolve(objects, namespace, m[1] ?? '', Number(m[2])) : 'unparsable';
    if (typeof resolved === 'string' || resolved.kind !== 'service') continue;
    for (const pod of resolved.pods) for (const t of targets) out.push(...reach(objects, namespace, t, peerIn(namespace, pod.labels), `job ${job.job_name} (${pod.what} probing)`));
  }
  return out;
}

// ---------------------------------------------------------------- the Prometheus operator's view

export interface MonitorEndpoint {
  readonly port: string;
  readonly basicAuth?: { readonly username?: SecretKeyRef; readonly password?: SecretKeyRef };
  readonly relabelings?: readonly { readonly targetLabel?: string; readonly replacement?: string }[];
}

interface SecretKeyRef {
  readonly name?: string;
  readonly key?: string;
}

/**
 * A scrape of pods that ask for a login (`--web.config.file`) sends one (`basicAuth`), and every
 * Secret key a `basicAuth` names exists among the objects, in the monitor's namespace.
 */
function loginFindings(objects: readonly K8sObject[], what: string, namespace: string, pods: PodsOf, e: MonitorEndpoint): string[] {
  const out: string[] = [];
  const asksLogin = pods.containers.some((c) => [...list(c.args), ...list(c.command)].some((a) => String(a).startsWith('--web.config.file')));
  if (asksLogin && !e.basicAuth) out.push(`${what}: ${pods.what} asks for a login (--web.config.file), the monitor sends none`);
  for (const [field, ref] of Object.entries(e.basicAuth ?? {})) {
    const secret = all(objects, 'Secret').find((s) => namespaceOf(s) === namespace && nameOf(s) === ref?.name);
    const keys = Object.keys({ ...(isObj(at(secret, 'stringData')) ? (at(secret, 'stringData') as Obj) : {}), ...(isObj(at(secret, 'data')) ? (at(secret, 'data') as Obj) : {}) });
    if (!secret) out.push(`${what}: basicAuth.${field} names Secret ${String(ref?.name)}, which no object creates`);
    else if (!keys.includes(String(ref?.key))) out.push(`${what}: basicAuth.${field}: Secret ${String(ref?.name)} has no key ${String(ref?.key)}`);
  }
  return out;
}

/**
 * Every ServiceMonitor endpoint finds exactly one Service port of that name among the Services it
 * selects (none: nothing scraped; two: every pod scraped twice), whose targetPort the selected pods
 * have and whose NetworkPolicy admits `from` (the operator's Prometheus), with a login where those
 * pods ask for one (loginFindings).
 */
export function serviceMonitorFindings(objects: readonly K8sObject[], monitors: readonly Obj[], from: Peer): string[] {
  const out: string[] = [];
  for (const m of monitors.filter((o) => o.kind === 'ServiceMonitor')) {
    const what = `ServiceMonitor/${nameOf(m)}`;
    const namespaces = list(at(m, 'spec', 'namespaceSelector', 'matchNames')).map(String);
    const services = all(objects, 'Service').filter((s) => namespaces.includes(namespaceOf(s)) && subset(at(m, 'spec', 'selector', 'matchLabels'), at(s, 'metadata', 'labels')));
    for (const e of list(at(m, 'spec', 'endpoints')).filter(isObj) as unknown as MonitorEndpoint[]) {
      const withPort = services.filter((s) => list(at(s, 'spec', 'ports')).some((p) => isObj(p) && p.name === e.port));
      if (withPort.length !== 1) {
        out.push(`${what} port ${e.port}: ${withPort.length} selected Services have it (${services.map(nameOf).join(', ') || 'none selected'})`);
        continue;
      }
      const svc = withPort[0] as Obj;
      const svcPort = list(at(svc, 'spec', 'ports')).filter(isObj).find((p) => p.name === e.port) as Obj;
      for (const pods of selectedBy(objects, svc)) {
        const port = containerPort(pods, svcPort.targetPort ?? svcPort.port);
        if (port === undefined) out.push(`${what} port ${e.port}: ${pods.what} has no container port ${String(svcPort.targetPort)}`);
        else if (!admits(objects, pods, port, from)) out.push(`${what} port ${e.port}: the NetworkPolicy of ${pods.what} refuses port ${port}`);
        out.push(...loginFindings(objects, `${what} port ${e.port}`, namespaceOf(svc), pods, e));
      }
    }
  }
  return out;
}

/** The `job` label each ServiceMonitor's endpoints set (what alert rules match on). */
export function monitorJobs(monitors: readonly Obj[]): string[] {
  return monitors
    .filter((o) => o.kind === 'ServiceMonitor')
    .flatMap((m) => (list(at(m, 'spec', 'endpoints')).filter(isObj) as unknown as MonitorEndpoint[]).map((e) => e.relabelings?.find((r) => r.targetLabel === 'job')?.replacement ?? `<Service of ${nameOf(m)}>`));
}
