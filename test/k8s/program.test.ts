/**
 * The generated infra/ program, for every scenario × profile, run under Pulumi's own mocks: no
 * Kubernetes cluster and no Pulumi CLI exist here. The mocks stand in for the engine and the
 * provider; what is checked is what the program would hand the Kubernetes provider:
 * every object against the Kubernetes schema (kubernetes-models, plus unknown-field detection),
 * the Pod Security Standard the namespace enforces, and the durable and security settings.
 */
import { isMonitoringLogin, SCRAPE_USER_SECRET } from '../../generators/emit/monitoring-auth.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { kafkaNodeProperties, kafkaNodes } from '../../generators/brokers/kafka/config.ts';
import { K8S_KAFKA_LAYOUT } from '../../generators/brokers/kafka/k8s.ts';
import { JMX_EXPORTER, jmxAgentFlag } from '../../generators/brokers/kafka/monitoring.ts';
import { redisDataNodes } from '../../generators/brokers/redis/config.ts';
import { configKey, K8S_ADDONS, MONITORING_LABELS, namespaceOf, secretName } from '../../generators/emit/k8s.ts';
import { k8sTopology } from '../../generators/emit/k8s-model.ts';
import { prometheusOperatorObjects } from '../../generators/emit/monitoring-k8s.ts';
import { k8sNodes } from '../../generators/emit/monitoring-prometheus.ts';
import { PATHS } from '../../generators/emit/monitoring.ts';
import { MONITORING_PORTS } from '../../generators/emit/monitoring-model.ts';
import { stackSecretDefs } from '../../generators/emit/secrets.ts';
import { brokersOf, scalingOf, type Resources, type StackSpec } from '../../generators/stack/index.ts';
import { IMAGES } from '../../generators/versions/images.ts';
import { availabilityFindings, hardeningFindings, isolationFindings, leakFindings, schemaFindings } from './support/checks.ts';
import { all, at, containersOf, find, isObj, isSecretWrapper, k8sObjects, list, podTemplateOf, restrictedViolations, type K8sObject, type Obj } from './support/objects.ts';
import { CASES, runUnderMocks, secretValue, specFor, stackJob, WORK, writeProject } from './support/project.ts';
import type { MockJob, MockRun } from './support/run-mocks.ts';
import { monitoringAuthFindings } from './support/monitoring-auth.ts';
import { exporterOf, monitorJobs, peerIn, prometheusYml, referenceFindings, scrapeFindings, serviceFindings, serviceMonitorFindings } from './support/wiring.ts';

const RECOMMENDED = ['name', 'instance', 'component', 'part-of', 'managed-by', 'version'].map((l) => `app.kubernetes.io/${l}`);
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CLUSTER_SCOPED = new Set(['Namespace']);
const STACK_LEVEL = new Set(['Namespace/', 'Secret/']);

const specs = new Map<string, StackSpec>();
const runs = new Map<string, MockRun>();

/** Specs edited the way a user would edit brokerplate.yaml: Redis Cluster, resources of their own. */
const VARIANTS = {
  'redis-cluster-prod': specFor('queue-and-cache', 'prod', (spec) => {
    const redis = spec.brokers.redis;
    if (redis) redis.prod = { ...redis.prod, mode: 'cluster', shards: 3, replicas: 1, sentinels: 0 };
  }),
  'overrides-prod': specFor('hybrid', 'prod', (spec) => {
    const kafka = spec.brokers.kafka;
    if (kafka) kafka.prod = { ...kafka.prod, resources: { requests: { cpu: '3', memory: '6Gi' }, limits: { cpu: '3', memory: '6Gi' }, storage: '500Gi' } };
    const rabbitmq = spec.brokers.rabbitmq;
    if (rabbitmq) rabbitmq.prod = { ...rabbitmq.prod, nodes: 5 };
  }),
  'no-monitoring-prod': specFor('event-streaming', 'prod', (spec) => {
    spec.monitoring = { ...spec.monitoring, enabled: false };
  }),
  // The stack as generated; its job adds `monitoringNamespace` (a Prometheus operator elsewhere).
  'monitoring-namespace-prod': specFor('hybrid', 'prod'),
} as const;

/** Pulumi config a variant sets beyond its Pulumi.<stack>.yaml, as `pulumi config set` would. */
const VARIANT_CONFIG: Partial<Record<keyof typeof VARIANTS, Record<string, string>>> = {
  'monitoring-namespace-prod': { monitoringNamespace: 'monitoring' },
};

/** The namespace the operator's Prometheus runs in, in the `monitoring-namespace-prod` variant. */
const OPERATOR_PEER = peerIn('monitoring', { 'app.kubernetes.io/name': 'prometheus' });

/** The addons (monitoring, backup) that apply to a spec, as the Kubernetes area picks them. */
function activeAddons(spec: StackSpec) {
  return K8S_ADDONS.filter((a) => a.applies(spec));
}

/** The ServiceMonitors of the Prometheus operator option for the stack's namespace. */
function serviceMonitors(spec: StackSpec, namespace: string): Obj[] {
  return prometheusOperatorObjects(spec, namespace, k8sNodes(namespace)).filter((o) => o.kind === 'ServiceMonitor') as Obj[];
}

beforeAll(async () => {
  const jobs = CASES.map((c) => {
    const spec = specFor(c.scenario, c.profile);
    specs.set(c.id, spec);
    return stackJob(join(writeProject(`run/${c.id}`, spec, c.id), 'infra'), c.profile, c.id);
  });
  for (const [id, spec] of Object.entries(VARIANTS)) {
    specs.set(id, spec);
    const job: MockJob = stackJob(join(writeProject(`run/${id}`, spec, id), 'infra'), 'prod', id);
    const extra = Object.entries(VARIANT_CONFIG[id as keyof typeof VARIANTS] ?? {}).map(([k, v]) => [`${job.project}:${k}`, v]);
    jobs.push({ ...job, config: { ...job.config, ...Object.fromEntries(extra) } });
  }
  const started = performance.now();
  const results = await runUnderMocks(jobs, 'program');
  results.forEach((r, i) => runs.set(CASES[i]?.id ?? Object.keys(VARIANTS)[i - CASES.length] ?? '', r));
  const per = results.map((r) => r.ms);
  console.info(`k8s: ${results.length} programs under Pulumi mocks in one process: ${Math.round(performance.now() - started)} ms (per program ${Math.min(...per)}-${Math.max(...per)} ms)`);
}, 300_000);

function statefulSets(objects: readonly K8sObject[]): Obj[] {
  return all(objects, 'StatefulSet');
}

function expectedResources(r: Resources) {
  return { requests: r.requests, limits: r.limits };
}

/** Replicas per StatefulSet the spec asks for in this profile. */
function expectedReplicas(spec: StackSpec): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of brokersOf(spec)) {
    if (b === 'kafka') out.kafka = scalingOf(spec, 'kafka').nodes;
    if (b === 'rabbitmq') out.rabbitmq = scalingOf(spec, 'rabbitmq').nodes;
    if (b === 'redis') {
      out.redis = redisDataNodes(spec).length;
      if (scalingOf(spec, 'redis').mode === 'sentinel') out['redis-sentinel'] = scalingOf(spec, 'redis').sentinels;
    }
  }
  return out;
}

function properties(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([^#=\s][^=]*)=(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) map.set(m[1], m[2]);
  }
  return map;
}

describe.each(CASES)('infra/ under Pulumi mocks (no cluster, no Pulumi CLI): $id', (c) => {
  const spec = () => specs.get(c.id) as StackSpec;
  const run = () => runs.get(c.id) as MockRun;
  const objects = () => k8sObjects(run());

  it('runs to the end with the config of Pulumi.<stack>.yaml and the secrets the README lists', () => {
    expect(run().errors).toEqual([]);
    expect(objects().length).toBeGreaterThan(5);
    expect(run().outputs.namespaceOutput).toBe(namespaceOf(spec(), c.profile));
    for (const b of brokersOf(spec())) expect(run().outputs[`${b}Endpoint`]).toMatch(/^[a-z-]+:\d+$/);
  });

  it('declares one component per broker and one Addon per enabled addon, and every object is a child of one (except the Namespace and Secret)', () => {
    const addons = activeAddons(spec());
    expect(addons.map((a) => a.id)).toEqual([...(spec().monitoring.enabled ? ['monitoring'] : []), ...(spec().backup.enabled ? ['backup'] : []), ...(spec().profile === 'prod' ? ['tls'] : []), 'network']);
    const components = run().resources.filter((r) => r.type.startsWith('brokerplate:messaging:'));
    const brokerTypes = brokersOf(spec()).map((b) => `brokerplate:messaging:${b.charAt(0).toUpperCase()}${b.slice(1)}`);
    expect(components.map((r) => r.type).sort()).toEqual([...brokerTypes, ...addons.map(() => 'brokerplate:messaging:Addon')].sort());
    expect(components.filter((r) => r.type === 'brokerplate:messaging:Addon').map((r) => r.name).sort()).toEqual(addons.map((a) => a.id).sort());
    // Each Addon holds one ConfigGroup (the mocks name a URN by its direct parent's type only).
    const groups = run().resources.filter((r) => r.type === 'kubernetes:yaml:ConfigGroup');
    expect(groups.map((g) => `${g.urn.split('::')[2] ?? ''}/${g.name}`).sort()).toEqual(addons.map((a) => `brokerplate:messaging:Addon$kubernetes:yaml:ConfigGroup/${a.id}`).sort());
    const ns = namespaceOf(spec(), c.profile);
    const byAddon = new Map<string, string[]>();
    for (const o of objects()) {
      const qualified = o.resource.urn.split('::')[2] ?? '';
      if (STACK_LEVEL.has(`${o.kind}/`)) expect(qualified, o.resource.urn).toBe(o.resource.type);
      else if (qualified.startsWith('kubernetes:yaml:ConfigGroup$')) {
        // ConfigGroup names its objects `<addon>-<namespace>/<name>`.
        const id = o.resource.name.slice(0, o.resource.name.indexOf(`-${ns}/`));
        byAddon.set(id, [...(byAddon.get(id) ?? []), `${o.kind}/${o.name}`]);
      } else expect(qualified, o.resource.urn).toMatch(/^brokerplate:messaging:(Kafka|Rabbitmq|Redis)\$kubernetes:/);
    }
    // Exactly the objects each addon emits, none lost or added on the way through infra/addons/.
    expect([...byAddon.keys()].sort()).toEqual(addons.map((a) => a.id).sort());
    for (const a of addons) expect(byAddon.get(a.id)?.sort(), a.id).toEqual(a.objects(spec(), ns, k8sTopology()).map((o) => `${o.kind}/${String((o.metadata as Obj).name)}`).sort());
    // Same shape: each broker declares the same kinds around its StatefulSet(s).
    for (const b of brokersOf(spec())) {
      const kinds = new Set(objects().filter((o) => o.resource.urn.includes(`brokerplate:messaging:${b.charAt(0).toUpperCase()}${b.slice(1)}$`)).map((o) => o.kind));
      for (const kind of ['ConfigMap', 'ServiceAccount', 'Service', 'StatefulSet', 'NetworkPolicy']) expect(kinds, `${b} ${kind}`).toContain(kind);
    }
  });

  it('every object validates against the Kubernetes schema (kubernetes-models) and has no field the schema lacks', async () => {
    expect(await schemaFindings(objects())).toEqual([]);
  });

  it('every object carries the Kubernetes recommended labels and lives in the stack namespace', () => {
    for (const o of objects()) {
      const metadata = at(o.obj, 'metadata') as Obj;
      const labels = (metadata.labels ?? {}) as Record<string, string>;
      for (const key of RECOMMENDED) {
        expect(labels[key], `${o.kind}/${o.name} ${key}`).toBeTruthy();
        expect(labels[key], `${o.kind}/${o.name} ${key}`).toMatch(LABEL_VALUE);
      }
      expect(labels['app.kubernetes.io/part-of']).toBe(spec().name);
      expect(labels['app.kubernetes.io/managed-by']).toBe('pulumi');
      if (!CLUSTER_SCOPED.has(o.kind)) expect(metadata.namespace, `${o.kind}/${o.name}`).toBe(namespaceOf(spec(), c.profile));
    }
  });

  it('the Secret holds exactly the stack\'s secrets (brokers, and Grafana\'s with monitoring), each marked secret for Pulumi, and no other object holds a secret value', () => {
    // The monitoring logins (--web.config.file) are the prod stack's only, as they are the prod profile's in .env.
    const secrets = stackSecretDefs(spec());
    expect(secrets.some((s) => s.env === 'GRAFANA_ADMIN_PASSWORD')).toBe(spec().monitoring.enabled);
    expect(secrets.some((s) => isMonitoringLogin(s.env))).toBe(spec().monitoring.enabled && c.profile === 'prod');
    // Besides it, only the prod web configs' Secrets (bcrypt hashes), checked below, and the user name the operator's monitors send.
    const logins = c.profile === 'prod' && spec().monitoring.enabled;
    expect(objects().filter((o) => o.kind === 'Secret' && !o.name.endsWith('-web-config')).map((o) => o.name).sort()).toEqual(logins ? [secretName(spec()), SCRAPE_USER_SECRET].sort() : [secretName(spec())]);
    // prod with RabbitMQ: the operator's RabbitMQ monitors log in as monitor (the plugin asks every scrape for a user tagged monitoring).
    if (logins) expect(at(find(objects(), 'Secret', SCRAPE_USER_SECRET), 'stringData')).toEqual({ username: 'prometheus', ...(spec().brokers.rabbitmq && { rabbitmq_monitor_user: 'monitor' }) });
    const secret = objects().find((o) => o.kind === 'Secret' && o.name === secretName(spec()));
    const raw = secret?.resource.inputs.stringData;
    // Pulumi marks the values secret (encrypted in the state, hidden in previews).
    expect(isSecretWrapper(raw) || Object.values(isObj(raw) ? raw : {}).every(isSecretWrapper)).toBe(true);
    expect(at(secret?.obj, 'stringData')).toEqual(Object.fromEntries(secrets.map((s) => [s.env, secretValue(configKey(s.env), c.id)])));
    expect(leakFindings(objects(), secrets.map((s) => secretValue(configKey(s.env), c.id)))).toEqual([]);
  });

  it('prod monitoring logs in (--web.config.file from Secrets the program made, hashes of the stack\'s passwords; probes, scrapes, alerts, Grafana and backups with password files; no password in an env var); dev runs it open', () => {
    expect(monitoringAuthFindings(objects(), spec(), c.id)).toEqual([]);
    // Control: the dev objects judged as prod fail (open services, httpGet probes, Grafana's password in its env).
    if (c.profile === 'dev' && spec().monitoring.enabled) expect(monitoringAuthFindings(objects(), { ...spec(), profile: 'prod' }, c.id).length).toBeGreaterThan(5);
    const webConfigs = objects().filter((o) => o.kind === 'Secret' && o.name.endsWith('-web-config'));
    expect(webConfigs.length).toBe(c.profile === 'prod' && spec().monitoring.enabled ? (spec().backup.enabled ? 3 : 2) : 0);
    for (const w of webConfigs) expect(isSecretWrapper(w.resource.inputs.stringData) || Object.values(at(w.resource.inputs, 'stringData') as Obj).every(isSecretWrapper), w.name).toBe(true);
  });

  it('runs the replicas of the profile, with the spec\'s resources, storage and pinned images', () => {
    const sets = statefulSets(objects());
    const replicas = Object.fromEntries(sets.map((s) => [String(at(s, 'metadata', 'name')), at(s, 'spec', 'replicas')]));
    expect(replicas).toEqual(expectedReplicas(spec()));
    if (c.profile === 'dev') for (const n of Object.values(replicas)) expect(n).toBe(1);
    const broker = { kafka: 'kafka', rabbitmq: 'rabbitmq', redis: 'redis' } as const;
    for (const b of brokersOf(spec())) {
      const set = find(objects(), 'StatefulSet', broker[b]);
      const resources = scalingOf(spec(), b).resources;
      expect(at(set, 'spec', 'template', 'spec', 'containers', 0, 'resources')).toEqual(expectedResources(resources));
      expect(at(set, 'spec', 'volumeClaimTemplates', 0, 'spec', 'resources', 'requests', 'storage')).toBe(resources.storage);
    }
    const images = new Set<string>(Object.values(IMAGES));
    for (const o of objects()) {
      const template = podTemplateOf(o.obj);
      if (template) for (const ctr of containersOf(at(template, 'spec') as Obj)) expect(images.has(String(ctr.image)), String(ctr.image)).toBe(true);
    }
  });

  it('hardens every pod: non-root, no capabilities, seccomp, read-only root, no token, limits and probes (Pod Security "restricted")', () => {
    expect(hardeningFindings(objects())).toEqual([]);
    for (const o of objects()) {
      const template = podTemplateOf(o.obj);
      if (!template) continue;
      const pod = at(template, 'spec') as Obj;
      const what = `${o.kind}/${o.name}`;
      expect(restrictedViolations(pod), what).toEqual([]);
      expect(pod.automountServiceAccountToken, what).toBe(false);
      expect(at(pod, 'securityContext', 'runAsNonRoot'), what).toBe(true);
      expect(Number(at(pod, 'securityContext', 'runAsUser')), what).toBeGreaterThan(0);
      const mounts = new Set<string>();
      for (const ctr of containersOf(pod)) {
        expect(at(ctr, 'securityContext', 'readOnlyRootFilesystem'), what).toBe(true);
        expect(at(ctr, 'securityContext', 'capabilities', 'drop'), what).toEqual(['ALL']);
        for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) expect(at(ctr, 'resources', kind, r), `${what} ${kind}.${r}`).toBeTruthy();
        for (const m of list(ctr.volumeMounts).filter(isObj)) mounts.add(String(m.name));
      }
      // Init containers (the JMX agent's fetch) run to completion: Kubernetes refuses probes on them.
      for (const init of list(pod.initContainers).filter(isObj)) for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) expect(init[probe], `${what} ${String(init.name)} ${probe}`).toBeUndefined();
      for (const ctr of list(pod.containers).filter(isObj)) {
        if (o.kind === 'StatefulSet') {
          expect(ctr.readinessProbe, `${what} readiness`).toBeTruthy();
          expect(ctr.livenessProbe, `${what} liveness`).toBeTruthy();
        }
        // Named probe ports (brokers' tcpSocket, addons' httpGet) must exist on the container.
        const ports = new Set(list(ctr.ports).filter(isObj).map((p) => p.name));
        for (const probe of [ctr.readinessProbe, ctr.livenessProbe, ctr.startupProbe].filter(isObj)) {
          const port = isObj(probe.tcpSocket) ? probe.tcpSocket.port : isObj(probe.httpGet) ? probe.httpGet.port : undefined;
          if (typeof port === 'string') expect(ports.has(port), `${what} probe port ${port}`).toBe(true);
        }
      }
      // Every mounted volume is declared (pod volumes or claim templates), and nothing else is writable.
      const declared = new Set([...list(pod.volumes).filter(isObj).map((v) => String(v.name)), ...list(isObj(o.obj.spec) ? o.obj.spec.volumeClaimTemplates : undefined).filter(isObj).map((v) => String(at(v, 'metadata', 'name')))]);
      for (const m of mounts) expect(declared.has(m), `${what} mounts undeclared volume ${m}`).toBe(true);
    }
  });

  it('spreads replicas (required anti-affinity in prod), and budgets disruptions in prod', () => {
    expect(availabilityFindings(objects(), c.profile)).toEqual([]);
    const budgets = all(objects(), 'PodDisruptionBudget');
    for (const set of statefulSets(objects())) {
      const pod = at(set, 'spec', 'template', 'spec') as Obj;
      const match = at(set, 'spec', 'selector', 'matchLabels');
      const anti = at(pod, 'affinity', 'podAntiAffinity') as Obj;
      if (c.profile === 'prod') expect(at(anti, 'requiredDuringSchedulingIgnoredDuringExecution', 0, 'labelSelector', 'matchLabels')).toEqual(match);
      else expect(at(anti, 'preferredDuringSchedulingIgnoredDuringExecution', 0, 'podAffinityTerm', 'labelSelector', 'matchLabels')).toEqual(match);
      const budget = budgets.find((b) => JSON.stringify(at(b, 'spec', 'selector', 'matchLabels')) === JSON.stringify(match));
      if (c.profile === 'prod') {
        expect(budget, `PDB for ${String(at(set, 'metadata', 'name'))}`).toBeTruthy();
        expect(at(budget, 'spec', 'maxUnavailable')).toBe(1);
      } else {
        expect(budget).toBeUndefined();
      }
      // The pod template's labels satisfy the selector (or the StatefulSet would be refused).
      expect(at(set, 'spec', 'template', 'metadata', 'labels')).toMatchObject(match as Obj);
    }
  });

  it('admits ingress to every broker pod only from its peers, operators, the application (client ports) and monitoring', () => {
    expect(isolationFindings(objects())).toEqual([]);
    const policies = all(objects(), 'NetworkPolicy');
    for (const set of statefulSets(objects())) {
      const match = at(set, 'spec', 'selector', 'matchLabels');
      const policy = policies.find((p) => JSON.stringify(at(p, 'spec', 'podSelector', 'matchLabels')) === JSON.stringify(match));
      expect(policy, `NetworkPolicy for ${String(at(set, 'metadata', 'name'))}`).toBeTruthy();
      expect(at(policy, 'spec', 'policyTypes')).toEqual(['Ingress']);
      const rules = list(at(policy, 'spec', 'ingress')).filter(isObj);
      expect(rules).toHaveLength(3);
      // Only the peer/operator rule is port-less; it names the broker's own pods and the operator label.
      const open = rules.filter((r) => r.ports === undefined);
      expect(open).toHaveLength(1);
      const froms = list(open[0]?.from).map((f) => at(f, 'podSelector', 'matchLabels'));
      expect(froms).toContainEqual({ 'brokerplate/access': 'operator' });
      expect(froms.some((m) => isObj(m) && m['app.kubernetes.io/name'] === (match as Obj)['app.kubernetes.io/name'])).toBe(true);
      const clientRule = rules.find((r) => JSON.stringify(at(r, 'from', 0, 'podSelector', 'matchLabels')) === JSON.stringify({ 'brokerplate/access': 'client' }));
      const containerPorts = list(at(set, 'spec', 'template', 'spec', 'containers', 0, 'ports')).filter(isObj).map((p) => p.containerPort);
      const clientPorts = list(clientRule?.ports).map((p) => at(p, 'port'));
      expect(clientPorts.length).toBeGreaterThan(0);
      for (const p of clientPorts) expect(containerPorts).toContain(p);
      // Inter-node ports (KRaft controller, Erlang distribution) are never open to clients.
      expect(clientPorts).not.toContain(9093);
      expect(clientPorts).not.toContain(25672);
    }
  });

  it('gives every StatefulSet its headless Service (DNS before readiness); every Service selects a StatefulSet or Deployment that has the ports it names', () => {
    const services = all(objects(), 'Service');
    for (const set of statefulSets(objects())) {
      const headless = services.find((s) => at(s, 'metadata', 'name') === at(set, 'spec', 'serviceName'));
      expect(headless).toBeTruthy();
      expect(at(headless, 'spec', 'clusterIP')).toBe('None');
      expect(at(headless, 'spec', 'publishNotReadyAddresses')).toBe(true);
      expect(at(headless, 'spec', 'selector')).toEqual(at(set, 'spec', 'selector', 'matchLabels'));
    }
    expect(serviceFindings(objects())).toEqual([]);
    // Broker Services select exactly their StatefulSet's pods; the addons' Services their Deployment's.
    for (const svc of objects().filter((o) => o.kind === 'Service')) {
      const selector = at(svc.obj, 'spec', 'selector') as Obj;
      const kind = svc.resource.urn.includes('::kubernetes:yaml:ConfigGroup$') ? 'Deployment' : 'StatefulSet';
      const workload = all(objects(), kind).find((s) => JSON.stringify(at(s, 'spec', 'selector', 'matchLabels')) === JSON.stringify(selector));
      expect(workload, `Service ${svc.name} selects a ${kind}`).toBeTruthy();
    }
  });

  it('every ConfigMap, PVC, Secret key and ConfigMap key a pod mounts or reads exists (broker and addon pods alike)', () => {
    expect(referenceFindings(objects())).toEqual([]);
  });

  it('monitoring (if enabled) reaches every broker pod: Kafka\'s JMX agent on `metrics` 7071, RabbitMQ on 15692 (prod: HTTPS on 15691, checked against the stack CA), redis_exporter probing each data pod, admitted by the NetworkPolicies', () => {
    const s = spec();
    const ns = namespaceOf(s, c.profile);
    if (!s.monitoring.enabled) return;
    // Every target of the generated prometheus.yml resolves to listening pods that admit Prometheus.
    expect(scrapeFindings(objects(), ns)).toEqual([]);
    const config = prometheusYml(objects());
    const job = (name: string) => config.scrape_configs.find((j) => j.job_name === name);
    const targets = (name: string) => job(name)?.static_configs.flatMap((t) => t.targets);
    const replicas = expectedReplicas(s);
    const ports = (set: Obj) => list(at(set, 'spec', 'template', 'spec', 'containers', 0, 'ports'));
    const policyPorts = (name: string, access: 'client' | 'monitoring') =>
      list(at(find(objects(), 'NetworkPolicy', name), 'spec', 'ingress'))
        .filter((r) => JSON.stringify(at(r, 'from', 0, 'podSelector', 'matchLabels')) === JSON.stringify({ 'brokerplate/access': access }))
        .flatMap((r) => list(at(r, 'ports')).map((p) => at(p, 'port')));
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    if (s.brokers.kafka) {
      const set = find(objects(), 'StatefulSet', 'kafka');
      const pod = at(set, 'spec', 'template', 'spec') as Obj;
      expect(ports(set)).toContainEqual({ name: 'metrics', containerPort: MONITORING_PORTS.kafkaJmx });
      const kafka = at(pod, 'containers', 0) as Obj;
      // The agent joins the broker's JVM only (EXTRA_ARGS of kafka-server-start.sh): with KAFKA_OPTS, a kafka-topics.sh
      // run in the pod would try to bind 7071 too and exit. No GC log (-loggc) on the read-only image.
      const env = list(kafka.env).filter(isObj);
      expect(env.find((e) => e.name === 'EXTRA_ARGS')?.value).toBe(`-name kafkaServer ${jmxAgentFlag()}`);
      expect(env.map((e) => e.name)).not.toContain('KAFKA_OPTS');
      // The init container fetches the jar into the volume the broker loads it from; the rules come from the monitoring ConfigMap.
      const init = list(pod.initContainers).filter(isObj);
      expect(init.map((i) => i.name)).toEqual(['jmx-exporter-fetch']);
      const agentVolume = (ctr: Obj) => list(ctr.volumeMounts).filter(isObj).find((m) => m.mountPath === JMX_EXPORTER.dir)?.name;
      expect(agentVolume(init[0] as Obj)).toBe('jmx-exporter');
      expect(agentVolume(kafka)).toBe('jmx-exporter');
      expect(list(pod.volumes).filter(isObj).find((v) => v.name === 'jmx-exporter')).toEqual({ name: 'jmx-exporter', emptyDir: {} });
      const rules = list(kafka.volumeMounts).filter(isObj).find((m) => m.mountPath === `${JMX_EXPORTER.dir}/${JMX_EXPORTER.config}`);
      expect(list(pod.volumes).filter(isObj).find((v) => v.name === rules?.name)?.configMap).toMatchObject({ name: 'kafka-jmx-exporter' });
      expect(rules?.subPath).toBe(JMX_EXPORTER.config);
      expect(targets('kafka')).toEqual(range(replicas.kafka ?? 0).map((i) => `kafka-${i}.kafka-headless:${MONITORING_PORTS.kafkaJmx}`));
      expect(targets('kafka-lag')).toEqual([`kafka-exporter.${ns}.svc:${MONITORING_PORTS.kafkaLag}`]);
      expect(policyPorts('kafka', 'monitoring')).toContain(MONITORING_PORTS.kafkaJmx);
      expect(policyPorts('kafka', 'client')).not.toContain(MONITORING_PORTS.kafkaJmx);
    }
    if (s.brokers.rabbitmq) {
      // prod: the plugin's HTTPS listener only (15691), checked against the stack CA mounted from the node's cert-manager Secret.
      const metricsPort = s.profile === 'prod' ? 15691 : 15692;
      expect(ports(find(objects(), 'StatefulSet', 'rabbitmq'))).toContainEqual({ name: 'prometheus', containerPort: metricsPort });
      const nodes = range(replicas.rabbitmq ?? 0).map((i) => `rabbitmq-${i}.rabbitmq-headless:${metricsPort}`);
      expect(targets('rabbitmq')).toEqual(nodes);
      expect(targets('rabbitmq-queues')).toEqual(nodes);
      expect(job('rabbitmq-queues')?.metrics_path).toBe('/metrics/detailed');
      for (const name of ['rabbitmq', 'rabbitmq-queues']) {
        expect(job(name)?.scheme, name).toBe(s.profile === 'prod' ? 'https' : undefined);
        expect(job(name)?.tls_config, name).toEqual(s.profile === 'prod' ? { ca_file: '/etc/brokerplate/tls/ca.crt' } : undefined);
      }
      const prometheusPod = at(find(objects(), 'Deployment', 'prometheus'), 'spec', 'template', 'spec') as Obj;
      const caVolume = list(prometheusPod.volumes).filter(isObj).find((v) => v.name === 'tls-ca');
      expect(caVolume?.secret).toEqual(s.profile === 'prod' ? { secretName: 'rabbitmq-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }] } : undefined);
      expect(policyPorts('rabbitmq', 'monitoring')).toContain(metricsPort);
      expect(policyPorts('rabbitmq', 'client')).not.toContain(metricsPort);
    }
    if (s.brokers.redis) {
      const redis = job('redis');
      expect(redis && exporterOf(redis)).toBe(`redis-exporter.${ns}.svc:${MONITORING_PORTS.redisExporter}`);
      expect(targets('redis')).toEqual(range(replicas.redis ?? 0).map((i) => `${s.profile === 'prod' ? 'rediss' : 'redis'}://redis-${i}.redis-headless:6379`));
      // The monitor password: a file from the stack's Secret that the container's shell reads (no environment variable).
      const pod = at(find(objects(), 'Deployment', 'redis-exporter'), 'spec', 'template', 'spec');
      const env = list(at(pod, 'containers', 0, 'env')).filter(isObj);
      expect(env.some((e) => e.name === 'REDIS_PASSWORD')).toBe(false);
      const volume = list(at(pod, 'volumes')).filter(isObj).find((v) => v.name === 'password');
      expect(at(volume, 'secret')).toMatchObject({ secretName: secretName(s), items: [{ key: 'REDIS_MONITOR_PASSWORD', path: 'redis_monitor_password' }] });
      expect(String(list(at(pod, 'containers', 0, 'command')).at(-1))).toContain('/redis_monitor_password)');
    }
    // The Prometheus operator option: each ServiceMonitor finds exactly one Service port on the same pods, reachable from monitoring pods,
    // and labels its series with the job names the alert rules use.
    const monitors = serviceMonitors(s, ns);
    expect(serviceMonitorFindings(objects(), monitors, peerIn(ns, { ...MONITORING_LABELS }))).toEqual([]);
    // prod: Alertmanager and the Pushgateway ask for logins (--web.config.file), and their monitors send one (control: without it, refused);
    // so does RabbitMQ's metrics endpoint (prometheus.authentication.enabled in its rabbitmq.conf, proven on the broker in test/tls).
    const logins = monitors.flatMap((m) => list(at(m, 'spec', 'endpoints')).filter(isObj).filter((e) => e.basicAuth !== undefined).map(() => String(at(m, 'metadata', 'name'))));
    const prodLogins = c.profile === 'prod' && spec().monitoring.enabled;
    const webLogins = prodLogins ? (spec().backup.enabled ? ['alertmanager', 'pushgateway'] : ['alertmanager']) : [];
    expect(logins.sort()).toEqual([...webLogins, ...(prodLogins && spec().brokers.rabbitmq ? ['rabbitmq', 'rabbitmq-queues'] : [])].sort());
    if (webLogins.length > 0) {
      const without = monitors.map((m) => ({ ...m, spec: { ...(m.spec as Obj), endpoints: list(at(m, 'spec', 'endpoints')).filter(isObj).map(({ basicAuth: _login, ...e }) => e) } }));
      expect(serviceMonitorFindings(objects(), without, peerIn(ns, { ...MONITORING_LABELS })).filter((f) => f.includes('asks for a login'))).toHaveLength(webLogins.length);
    }
    // prod: RabbitMQ's metrics are HTTPS; its monitors check the certificate for a name cert-manager's Certificate carries, against that Secret's CA.
    for (const m of monitors.filter((o) => String(at(o, 'metadata', 'name')).startsWith('rabbitmq'))) {
      const e = list(at(m, 'spec', 'endpoints')).filter(isObj)[0] ?? {};
      if (c.profile !== 'prod') {
        expect(e.scheme).toBeUndefined();
        continue;
      }
      expect(e.scheme).toBe('https');
      const secret = String(at(e, 'tlsConfig', 'ca', 'secret', 'name'));
      expect(at(e, 'tlsConfig', 'ca', 'secret', 'key')).toBe('ca.crt');
      const certificate = objects().find((o) => o.kind === 'Certificate' && isObj(o.obj.spec) && o.obj.spec.secretName === secret)?.obj;
      expect(certificate, `a Certificate keeps its key pair in ${secret}`).toBeDefined();
      expect(list(at(certificate, 'spec', 'dnsNames'))).toContain(at(e, 'tlsConfig', 'serverName'));
      if (spec().monitoring.enabled) expect(e.basicAuth).toEqual({ username: { name: SCRAPE_USER_SECRET, key: 'rabbitmq_monitor_user' }, password: { name: secretName(spec()), key: 'RABBITMQ_MONITOR_PASSWORD' } });
    }
    expect([...new Set(monitorJobs(monitors))].sort()).toEqual(config.scrape_configs.map((j) => j.job_name).filter((j) => j !== 'prometheus').sort());
    if (c.profile === 'prod') {
      // The emitted monitoring/k8s/prometheus-operator.yml is that, for the prod namespace.
      const file = readFileSync(join(WORK, 'run', c.id, PATHS.operator), 'utf8');
      expect(parseAllDocuments(file).map((d) => d.toJS() as Obj).filter((o) => o.kind === 'ServiceMonitor')).toEqual(monitors);
    }
  });

  it('Kafka (if any): KRaft nodes read server.properties from the shared builder, with the durable keys of the profile', () => {
    if (!spec().brokers.kafka) return;
    const scaling = scalingOf(spec(), 'kafka');
    const data = at(find(objects(), 'ConfigMap', 'kafka-config'), 'data') as Record<string, string>;
    const nodes = kafkaNodes(spec(), K8S_KAFKA_LAYOUT);
    expect(nodes).toHaveLength(c.profile === 'prod' ? 3 : 1);
    for (const node of nodes) {
      const text = data[`kafka-${node.ordinal}.properties`] ?? '';
      // One source: exactly what the compose area's builder writes, with pod DNS names.
      expect(text).toBe(kafkaNodeProperties(spec(), K8S_KAFKA_LAYOUT, k8sTopology(), node, { site: 'k8s' }));
      const p = properties(text);
      expect(p.get('process.roles')).toBe('broker,controller');
      expect(p.get('node.id')).toBe(String(node.id));
      const host = `kafka-${node.ordinal}.kafka-headless`;
      expect(p.get('advertised.listeners')).toBe(c.profile === 'prod' ? `INTERNAL://${host}:19092,REPLICATION://${host}:19093` : `INTERNAL://${host}:19092`);
      if (c.profile === 'prod') {
        // TLS everywhere, mutual between nodes, SCRAM for clients; nothing without an ACL; the StatefulSet's certificate subject and admin are super users.
        expect(p.get('listener.security.protocol.map')).toBe('CONTROLLER:SSL,INTERNAL:SASL_SSL,REPLICATION:SSL');
        expect(p.get('inter.broker.listener.name')).toBe('REPLICATION');
        expect([p.get('listener.name.controller.ssl.client.auth'), p.get('listener.name.replication.ssl.client.auth')]).toEqual(['required', 'required']);
        expect([p.get('ssl.keystore.location'), p.get('ssl.truststore.location')]).toEqual(['/etc/brokerplate/tls/tls.pem', '/etc/brokerplate/tls/ca.crt']);
        expect(p.get('authorizer.class.name')).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
        expect(p.get('allow.everyone.if.no.acl.found')).toBe('false');
        expect(p.get('super.users')).toBe('User:CN=kafka;User:admin');
      } else {
        expect(p.get('listener.security.protocol.map')).toBe('CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT');
      }
      expect(p.get('controller.quorum.voters')).toBe(nodes.map((n) => `${n.id}@kafka-${n.ordinal}.kafka-headless:9093`).join(','));
      expect(p.get('default.replication.factor')).toBe(String(scaling.replicationFactor));
      expect(p.get('offsets.topic.replication.factor')).toBe(String(scaling.replicationFactor));
      expect(p.get('transaction.state.log.replication.factor')).toBe(String(scaling.replicationFactor));
      expect(p.get('min.insync.replicas')).toBe(String(scaling.minInsyncReplicas));
      expect(p.get('transaction.state.log.min.isr')).toBe(String(scaling.minInsyncReplicas));
      expect(p.get('unclean.leader.election.enable')).toBe('false');
      expect(p.get('log.dirs')).toBe('/var/lib/kafka/data');
    }
    if (c.profile === 'prod') expect([scaling.replicationFactor, scaling.minInsyncReplicas]).toEqual([3, 2]);
    const set = find(objects(), 'StatefulSet', 'kafka');
    const env = Object.fromEntries(list(at(set, 'spec', 'template', 'spec', 'containers', 0, 'env')).filter(isObj).map((e) => [e.name, e.value]));
    // Each pod picks its own file; all are formatted with one cluster id.
    expect(env.KAFKA_CONFIG).toBe('/etc/kafka/brokerplate/$(POD_NAME).properties');
    expect(env.KAFKA_CLUSTER_ID).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    // The volume holds log.dirs as a subdirectory (never its lost+found).
    expect(list(at(set, 'spec', 'template', 'spec', 'containers', 0, 'volumeMounts')).filter(isObj).find((m) => m.name === 'data')?.mountPath).toBe('/var/lib/kafka');
    expect(data['create-topics.sh']).toContain("BOOTSTRAP='kafka-0.kafka-headless:19092");
    const job = find(objects(), 'Job', 'kafka-topics');
    expect(at(job, 'spec', 'template', 'spec', 'containers', 0, 'command')).toEqual(['/bin/bash', '/etc/kafka/brokerplate/create-topics.sh']);
    const volumes = (o: Obj) => new Map(list(at(o, 'spec', 'template', 'spec', 'volumes')).filter(isObj).map((v) => [v.name, v]));
    if (c.profile === 'prod') {
      // The nodes: cert-manager's combined PEM and CA, every SCRAM password as a file; the Job: the CA and admin's password only.
      expect(at(volumes(set).get('tls') ?? {}, 'secret', 'items')).toEqual([{ key: 'tls-combined.pem', path: 'tls.pem' }, { key: 'ca.crt', path: 'ca.crt' }]);
      expect(list(at(volumes(set).get('passwords') ?? {}, 'secret', 'items')).map((i) => at(i, 'key'))).toEqual(['KAFKA_SASL_PASSWORD', 'KAFKA_ADMIN_PASSWORD', 'KAFKA_MONITOR_PASSWORD', 'KAFKA_BACKUP_PASSWORD', 'KAFKA_MIRRORMAKER_PASSWORD']);
      expect(at(volumes(job).get('tls') ?? {}, 'secret', 'items')).toEqual([{ key: 'ca.crt', path: 'ca.crt' }]);
      expect(at(volumes(job).get('passwords') ?? {}, 'secret', 'items')).toEqual([{ key: 'KAFKA_ADMIN_PASSWORD', path: 'kafka_admin_password' }]);
      expect(data['create-topics.sh']).toContain('acls --add');
    } else {
      expect([volumes(set).has('tls'), volumes(set).has('passwords'), volumes(job).has('passwords')]).toEqual([false, false, false]);
    }
  });

  it('RabbitMQ (if any): Kubernetes peer discovery in a cluster, quorum queues in prod, definitions imported, users from the Secret', () => {
    if (!spec().brokers.rabbitmq) return;
    const nodes = scalingOf(spec(), 'rabbitmq').nodes;
    const data = at(find(objects(), 'ConfigMap', 'rabbitmq-config'), 'data') as Record<string, string>;
    const conf = data['rabbitmq.conf'] ?? '';
    expect(conf).toContain('load_definitions = /etc/rabbitmq/definitions.json');
    if (nodes > 1) {
      expect(conf).toContain('cluster_formation.peer_discovery_backend = k8s');
      expect(data.enabled_plugins).toContain('rabbitmq_peer_discovery_k8s');
    }
    const definitions = JSON.parse(data['definitions.json'] ?? '{}') as { queues: { name: string; arguments: Record<string, unknown> }[] };
    expect(definitions.queues.length).toBeGreaterThan(0);
    if (c.profile === 'prod') expect(definitions.queues.filter((q) => q.arguments['x-queue-type'] === 'quorum').length).toBeGreaterThan(0);
    const set = find(objects(), 'StatefulSet', 'rabbitmq');
    const env = list(at(set, 'spec', 'template', 'spec', 'containers', 0, 'env')).filter(isObj);
    const byName = Object.fromEntries(env.map((e) => [e.name, e]));
    // The node name the server takes is the one the init script and peer discovery expect.
    expect(at(byName, 'RABBITMQ_NODENAME', 'value')).toBe('rabbit@$(POD_NAME).rabbitmq-headless');
    // init.sh talks to the first node that answers, of every pod's node name.
    const initNodes = /^\[ -n "\$NODES" \] \|\| NODES=(.*)$/m.exec(data['init.sh'] ?? '')?.[1]?.replace(/^'|'$/g, '');
    expect(initNodes?.split(' ')).toEqual(Array.from({ length: nodes }, (_, i) => `rabbit@rabbitmq-${i}.rabbitmq-headless`));
    expect(at(byName, 'RABBITMQ_USE_LONGNAME', 'value')).toBe('true');
    // Secrets are files, never environment variables: the server pods get only the cookie; the init Job also gets the passwords.
    const secretItems = (podSpec: unknown) =>
      list(at(podSpec, 'volumes')).filter(isObj).flatMap((v) => (isObj(v.secret) && v.secret.secretName === `${spec().name}-secrets` ? list(v.secret.items).filter(isObj).map((i) => String(i.key)) : [])).sort();
    const podSpec = at(set, 'spec', 'template', 'spec');
    expect(env.filter((e) => isObj(e.valueFrom) && isObj(e.valueFrom.secretKeyRef))).toEqual([]);
    expect(secretItems(podSpec)).toEqual(['RABBITMQ_ERLANG_COOKIE']);
    expect(at(byName, 'RABBITMQ_ERLANG_COOKIE_FILE', 'value')).toBe('/run/secrets/rabbitmq_erlang_cookie');
    const job = find(objects(), 'Job', 'rabbitmq-init');
    const jobEnv = list(at(job, 'spec', 'template', 'spec', 'containers', 0, 'env')).filter(isObj);
    expect(jobEnv.filter((e) => isObj(e.valueFrom))).toEqual([]);
    expect(secretItems(at(job, 'spec', 'template', 'spec'))).toEqual(['RABBITMQ_ADMIN_PASSWORD', 'RABBITMQ_BACKUP_PASSWORD', 'RABBITMQ_ERLANG_COOKIE', 'RABBITMQ_MONITOR_PASSWORD', 'RABBITMQ_PASSWORD']);
    // prod: the cert-manager Secret where rabbitmq.conf reads the node's certificate, and TLS listeners only.
    const tlsVolume = list(at(podSpec, 'volumes')).filter(isObj).find((v) => v.name === 'tls');
    if (c.profile === 'prod') {
      expect(at(tlsVolume, 'secret', 'secretName')).toBe('rabbitmq-tls');
      const mount = list(at(set, 'spec', 'template', 'spec', 'containers', 0, 'volumeMounts')).filter(isObj).find((m) => m.name === 'tls');
      expect(mount?.mountPath).toBe('/etc/brokerplate/tls');
      expect(data['rabbitmq.conf']).toMatch(/^listeners\.tcp = none$/m);
      expect(data['rabbitmq.conf']).toContain('ssl_options.certfile = /etc/brokerplate/tls/tls.crt');
      const ports = list(at(set, 'spec', 'template', 'spec', 'containers', 0, 'ports')).filter(isObj).map((p) => p.containerPort);
      expect(ports).toContain(5671);
      expect(ports).not.toContain(5672);
    } else {
      expect(tlsVolume).toBeUndefined();
    }
    expect(at(job, 'spec', 'template', 'spec', 'subdomain')).toBe('rabbitmq-headless');
  });

  it('Redis (if any): one config per pod, a primary with replicas and three Sentinels in prod', () => {
    if (!spec().brokers.redis) return;
    const scaling = scalingOf(spec(), 'redis');
    const data = at(find(objects(), 'ConfigMap', 'redis-config'), 'data') as Record<string, string>;
    const dataNodes = redisDataNodes(spec()).length;
    for (let i = 0; i < dataNodes; i++) expect(data[`redis-${i}.conf`], `redis-${i}.conf`).toContain(`maxmemory ${scaling.maxmemory}`);
    expect(data['users.acl.template']).toContain('user default off');
    if (c.profile === 'prod') {
      expect(scaling.mode).toBe('sentinel');
      // No pod's config names its role: the entrypoint asks the Sentinels (the first primary is in their config).
      for (let i = 0; i < dataNodes; i++) expect(data[`redis-${i}.conf`]).not.toMatch(/^(replicaof|slaveof|masterauth) /m);
      expect(data['entrypoint.sh']).toContain("SENTINELS='redis-sentinel-0.redis-sentinel-headless:26379 redis-sentinel-1.redis-sentinel-headless:26379 redis-sentinel-2.redis-sentinel-headless:26379'");
      expect(data['redis-sentinel-0.conf.template']).toContain(`sentinel monitor main redis-0.redis-headless 6379 ${Math.floor(scaling.sentinels / 2) + 1}`);
      const sentinel = find(objects(), 'StatefulSet', 'redis-sentinel');
      const container = at(sentinel, 'spec', 'template', 'spec', 'containers', 0);
      const mounts = list(at(container, 'volumeMounts')).filter(isObj);
      expect(mounts.find((m) => m.mountPath === '/usr/local/etc/redis/sentinel.conf.template')?.subPathExpr).toBe('$(POD_NAME).conf.template');
      expect(mounts.find((m) => m.mountPath === '/usr/local/etc/redis/sentinel-reconfig.sh')?.subPath).toBe('sentinel-reconfig.sh');
      // Sentinel runs (and rewrites, passwords included) a config in memory; its volume keeps only its state.
      expect(at(container, 'args')).toEqual(['redis-server', '/run/redis/sentinel.conf', '--sentinel']);
      expect(mounts.find((m) => m.mountPath === '/run/redis')?.name).toBe('run');
      expect(list(at(sentinel, 'spec', 'template', 'spec', 'volumes')).filter(isObj).find((v) => v.name === 'run')?.emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Mi' });
      expect(run().outputs.redisEndpoint).toBe('redis-sentinel:26379');
      expect(run().outputs.redisClientEnv).toEqual({ REDIS_SENTINELS: 'redis-sentinel:26379', REDIS_SENTINEL_MASTER: 'main', REDIS_TLS: 'true' });
    } else {
      expect(run().outputs.redisEndpoint).toBe('redis:6379');
    }
    const set = find(objects(), 'StatefulSet', 'redis');
    const container = at(set, 'spec', 'template', 'spec', 'containers', 0);
    expect(at(container, 'args')).toEqual(['redis-server', '/run/redis/redis.conf']);
    expect(list(at(container, 'volumeMounts')).filter(isObj).find((m) => m.mountPath === '/usr/local/etc/redis/redis.conf')?.subPathExpr).toBe('$(POD_NAME).conf');
    // The ACL, the runtime config and the replication secret are rendered into memory, never onto the data volume.
    expect(list(at(set, 'spec', 'template', 'spec', 'volumes')).filter(isObj).find((v) => v.name === 'run')?.emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Mi' });
    // Passwords as files (the stack Secret, one file per principal), never environment variables; prod: cert-manager's Secret at /etc/brokerplate/tls.
    const sets = [set, ...(c.profile === 'prod' ? [find(objects(), 'StatefulSet', 'redis-sentinel')] : [])];
    for (const sts of sets) {
      const name = String(at(sts, 'metadata', 'name'));
      const pod = at(sts, 'spec', 'template', 'spec') as Obj;
      const ctr = at(pod, 'containers', 0) as Obj;
      expect(list(ctr.env).filter(isObj).filter((e) => isObj(e.valueFrom) && 'secretKeyRef' in e.valueFrom), `${name} env`).toEqual([]);
      const volumes = list(pod.volumes).filter(isObj);
      const mounts = list(ctr.volumeMounts).filter(isObj);
      const secrets = volumes.find((v) => v.name === 'secrets')?.secret as Obj | undefined;
      expect(secrets?.secretName).toBe(secretName(spec()));
      expect(list(secrets?.items).filter(isObj).map((i) => `${String(i.key)}→${String(i.path)}`)).toContain('REDIS_MONITOR_PASSWORD→redis_monitor_password');
      expect(mounts.find((m) => m.name === 'secrets')?.mountPath).toBe('/run/secrets');
      const tls = volumes.find((v) => v.name === 'tls')?.secret as Obj | undefined;
      if (c.profile === 'prod') {
        expect(tls?.secretName).toBe(`${name}-tls`);
        expect(mounts.find((m) => m.name === 'tls')).toMatchObject({ mountPath: '/etc/brokerplate/tls', readOnly: true });
        expect(JSON.stringify(at(ctr, 'readinessProbe'))).toContain('--tls --cacert /etc/brokerplate/tls/ca.crt --user monitor');
      } else {
        expect(tls).toBeUndefined();
      }
    }
    if (c.profile === 'prod') for (let i = 0; i < dataNodes; i++) expect(data[`redis-${i}.conf`]).toMatch(/^port 0\ntls-port 6379$/m);
  });
});

describe('infra/ under Pulumi mocks (no cluster, no Pulumi CLI): edited specs', () => {
  it('Redis Cluster: 6 data nodes, no Sentinels, the cluster bus port, a slot-assignment Job, and the generic checks hold', async () => {
    const run = runs.get('redis-cluster-prod') as MockRun;
    expect(run.errors).toEqual([]);
    const objects = k8sObjects(run);
    expect(await schemaFindings(objects)).toEqual([]);
    expect([...hardeningFindings(objects), ...availabilityFindings(objects, 'prod'), ...isolationFindings(objects)]).toEqual([]);
    const set = find(objects, 'StatefulSet', 'redis');
    expect(at(set, 'spec', 'replicas')).toBe(6);
    expect(objects.some((o) => o.name === 'redis-sentinel')).toBe(false);
    expect(list(at(set, 'spec', 'template', 'spec', 'containers', 0, 'ports')).map((p) => at(p, 'name'))).toEqual(['redis', 'bus']);
    const data = at(find(objects, 'ConfigMap', 'redis-config'), 'data') as Record<string, string>;
    expect(data['redis-5.conf']).toContain('cluster-announce-hostname redis-5.redis-headless');
    expect(data['cluster-create.sh']).toContain('redis-0.redis-headless:6379');
    expect(at(find(objects, 'Job', 'redis-cluster-init'), 'spec', 'template', 'spec', 'containers', 0, 'command')).toEqual(['/bin/sh', '/usr/local/etc/redis/cluster-create.sh']);
    expect(run.outputs.redisEndpoint).toBe('redis:6379');
  });

  it('resources and node counts edited in the spec reach the pods, the volumes and the JVM heap', () => {
    const run = runs.get('overrides-prod') as MockRun;
    expect(run.errors).toEqual([]);
    const objects = k8sObjects(run);
    const kafka = find(objects, 'StatefulSet', 'kafka');
    expect(at(kafka, 'spec', 'template', 'spec', 'containers', 0, 'resources')).toEqual({ requests: { cpu: '3', memory: '6Gi' }, limits: { cpu: '3', memory: '6Gi' } });
    expect(at(kafka, 'spec', 'volumeClaimTemplates', 0, 'spec', 'resources', 'requests', 'storage')).toBe('500Gi');
    const env = list(at(kafka, 'spec', 'template', 'spec', 'containers', 0, 'env')) as Obj[];
    expect(env.find((e) => e.name === 'KAFKA_HEAP_OPTS')?.value).toBe('-Xms3072m -Xmx3072m');
    expect(at(find(objects, 'StatefulSet', 'rabbitmq'), 'spec', 'replicas')).toBe(5);
    expect(at(find(objects, 'ConfigMap', 'rabbitmq-config'), 'data', 'init.sh')).toContain('rabbit@rabbitmq-4.rabbitmq-headless');
  });

  it('monitoring off: no monitoring Addon, no Grafana secret, Kafka without the JMX agent (no init container, no metrics port, not in its NetworkPolicy)', async () => {
    const spec = specs.get('no-monitoring-prod') as StackSpec;
    const run = runs.get('no-monitoring-prod') as MockRun;
    expect(run.errors).toEqual([]);
    const objects = k8sObjects(run);
    expect(run.resources.filter((r) => r.type === 'brokerplate:messaging:Addon').map((r) => r.name)).toEqual(['backup', 'tls', 'network']);
    expect(objects.filter((o) => o.kind === 'Deployment')).toEqual([]);
    // Kafka's SCRAM passwords; Grafana's comes only with monitoring.
    expect(Object.keys(at(find(objects, 'Secret', secretName(spec)), 'stringData') as object).sort()).toEqual(['KAFKA_ADMIN_PASSWORD', 'KAFKA_BACKUP_PASSWORD', 'KAFKA_MIRRORMAKER_PASSWORD', 'KAFKA_MONITOR_PASSWORD', 'KAFKA_SASL_PASSWORD']);
    const set = find(objects, 'StatefulSet', 'kafka');
    expect(at(set, 'spec', 'template', 'spec', 'initContainers')).toEqual([]);
    expect(list(at(set, 'spec', 'template', 'spec', 'containers', 0, 'ports')).map((p) => at(p, 'name'))).toEqual(['kafka', 'controller', 'replication']);
    const env = list(at(set, 'spec', 'template', 'spec', 'containers', 0, 'env')).filter(isObj);
    expect(env.find((e) => e.name === 'EXTRA_ARGS')?.value).toBe('-name kafkaServer');
    expect(env.map((e) => e.name)).not.toContain('KAFKA_OPTS');
    expect(list(at(find(objects, 'Service', 'kafka-headless'), 'spec', 'ports')).map((p) => at(p, 'name'))).toEqual(['kafka', 'controller', 'replication']);
    expect(list(at(find(objects, 'NetworkPolicy', 'kafka'), 'spec', 'ingress', 2, 'ports')).map((p) => at(p, 'port'))).toEqual([19092]);
    expect(await schemaFindings(objects)).toEqual([]);
    expect([...hardeningFindings(objects), ...isolationFindings(objects), ...serviceFindings(objects), ...referenceFindings(objects)]).toEqual([]);
  });

  it('a Prometheus operator in another namespace (config monitoringNamespace): the NetworkPolicies admit it on exactly the ports the ServiceMonitors scrape', () => {
    const spec = specs.get('monitoring-namespace-prod') as StackSpec;
    const ns = namespaceOf(spec, 'prod');
    const run = runs.get('monitoring-namespace-prod') as MockRun;
    expect(run.errors).toEqual([]);
    const monitors = serviceMonitors(spec, ns);
    expect(serviceMonitorFindings(k8sObjects(run), monitors, OPERATOR_PEER)).toEqual([]);
    // Without the setting the same Prometheus is refused by every broker, exporter, Alertmanager and the
    // Pushgateway (the namespace denies by default; the control: the check can fail).
    const refused = serviceMonitorFindings(k8sObjects(runs.get('hybrid-prod') as MockRun), monitors, OPERATOR_PEER);
    expect([...new Set(refused.map((f) => f.split(' ')[0]))].sort()).toEqual(['ServiceMonitor/alertmanager', 'ServiceMonitor/kafka', 'ServiceMonitor/kafka-lag', 'ServiceMonitor/pushgateway', 'ServiceMonitor/rabbitmq', 'ServiceMonitor/rabbitmq-queues', 'ServiceMonitor/redis']);
  });
});
