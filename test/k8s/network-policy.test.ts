/**
 * The namespace's NetworkPolicies as `npm run render` declares them (the generated program under
 * Pulumi's mocks), evaluated as a reachability matrix by a model of NetworkPolicy semantics
 * (support/netpol.ts) — a model, not a CNI: every workload's pod plus an application pod, an
 * unlabelled pod, a pod of another namespace, cluster DNS and outside addresses, to every
 * container port. The real kube-apiserver accepts the same objects (test/consumers).
 * Project B sets clientPodSelector and monitoringNamespace in Pulumi config: the program's tokens.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { brokerPeers, CLIENT_SELECTOR_TOKEN, MONITORING_NAMESPACE_PEER_TOKEN, MONITORING_PEER_TOKEN } from '../../generators/emit/network-policy-model.ts';
import { ROOT } from '../support/cli.ts';
import { allowed, inCidr, selects, type ContainerPort, type Endpoint, type Labels, type Policy } from './support/netpol.ts';
import { run, specFor, writeProject } from './support/project.ts';

type Obj = { kind: string; metadata: { name: string; namespace?: string; labels?: Labels }; spec?: Record<string, unknown> };
interface Stack {
  pods: Endpoint[];
  policies: Policy[];
  services: Obj[];
  ns: string;
}

const CUSTOM_CLIENTS = { 'shop.example/role': 'api' };
const OBSERVABILITY = 'observability';
const stacks = new Map<string, Stack>();
let matrixSize = 0;

function template(o: Obj): { metadata?: { labels?: Labels }; spec?: { containers?: { ports?: { name?: string; containerPort: number; protocol?: string }[] }[] } } | undefined {
  const spec = o.spec as Record<string, any> | undefined;
  if (o.kind === 'CronJob') return spec?.jobTemplate?.spec?.template;
  return ['Deployment', 'StatefulSet', 'Job'].includes(o.kind) ? spec?.template : undefined;
}

function load(dir: string, clients: Labels, monitoringNs: string | undefined): Stack {
  const objects = readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => parse(readFileSync(join(dir, f), 'utf8')) as Obj);
  const ns = objects.find((o) => o.kind === 'Namespace')?.metadata.name ?? '';
  let n = 10;
  const ip = () => `10.244.0.${n++}`;
  const pods: Endpoint[] = objects.flatMap((o) => {
    const t = template(o);
    if (!t) return [];
    const ports: ContainerPort[] = (t.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => ({ ...(p.name && { name: p.name }), port: p.containerPort, protocol: p.protocol ?? 'TCP' })));
    return [{ id: `${o.kind}/${o.metadata.name}`, ip: ip(), namespace: ns, labels: t.metadata?.labels ?? {}, ports }];
  });
  const http = (port: number) => [{ port, protocol: 'TCP' }];
  pods.push(
    { id: 'app-client', ip: ip(), namespace: ns, labels: clients, ports: http(8080) },
    { id: 'app-unlabelled', ip: ip(), namespace: ns, labels: { app: 'other' }, ports: http(8080) },
    { id: 'other-namespace', ip: ip(), namespace: 'elsewhere', labels: { ...clients, 'app.kubernetes.io/name': 'prometheus' }, ports: http(8080) },
    { id: 'kube-dns', ip: '10.96.0.10', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
    { id: 'internet', ip: '203.0.113.10', ports: http(443) },
    { id: 'cloud-metadata', ip: '169.254.169.254', ports: [{ port: 80, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }] },
    { id: 'node-network', ip: '192.168.1.20', ports: http(443) },
  );
  if (monitoringNs) pods.push({ id: 'external-prometheus', ip: ip(), namespace: monitoringNs, labels: { 'app.kubernetes.io/name': 'prometheus' }, ports: http(9090) });
  return { pods, ns, policies: objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as Policy[], services: objects.filter((o) => o.kind === 'Service') };
}

const nsLabels = (ns: string): Labels => ({ 'kubernetes.io/metadata.name': ns });

/** Every (source, destination, port) the policies allow, keyed `src>dst:port/proto`. */
function matrix(stack: Stack, policies: readonly Policy[] = stack.policies): Set<string> {
  const open = new Set<string>();
  for (const src of stack.pods.filter((p) => p.namespace !== undefined)) {
    for (const dst of stack.pods) {
      if (dst === src) continue;
      for (const p of dst.ports) {
        matrixSize += 1;
        if (allowed(policies, src, dst, p.port, p.protocol, nsLabels)) open.add(`${src.id}>${dst.id}:${p.port}/${p.protocol}`);
      }
    }
  }
  return open;
}

const reach = (open: Set<string>, src: string, dst: string) => [...open].filter((k) => k.startsWith(`${src}>${dst}:`)).map((k) => k.slice(k.indexOf(':') + 1)).sort();
/** Sources in the stack's namespace (pods elsewhere are not under its policies). */
const sources = (open: Set<string>, dst: string) => [...new Set([...open].filter((k) => k.split('>')[1]?.startsWith(`${dst}:`)).map((k) => k.split('>')[0]))].filter((s) => !['other-namespace', 'external-prometheus', 'kube-dns'].includes(s ?? '')).sort();

beforeAll(async () => {
  const spec = specFor('hybrid', 'prod');
  for (const [id, edit] of [['a', null], ['b', { clientPodSelector: CUSTOM_CLIENTS, monitoringNamespace: OBSERVABILITY }]] as const) {
    const infra = join(writeProject(`netpol/${id}`, spec), 'infra');
    if (edit) {
      const file = join(infra, 'Pulumi.prod.yaml');
      const doc = parse(readFileSync(file, 'utf8')) as { config: Record<string, unknown> };
      for (const [k, v] of Object.entries(edit)) doc.config[`${spec.name}:${k}`] = v;
      writeFileSync(file, stringify(doc));
    }
    const r = await run('npm', ['run', 'render', '--silent'], infra);
    if (r.code !== 0) throw new Error(r.stderr);
    stacks.set(id, load(join(infra, 'rendered', 'prod'), edit ? CUSTOM_CLIENTS : { 'brokerplate/access': 'client' }, edit ? OBSERVABILITY : undefined));
  }
}, 300_000);

describe('the tokens the emitter writes are the ones the generated program fills', () => {
  it('addons.ts (template) names each token of network-policy-model.ts', () => {
    const program = readFileSync(join(ROOT, 'templates', 'infra', 'components', 'addons.ts.hbs'), 'utf8');
    for (const token of [CLIENT_SELECTOR_TOKEN, MONITORING_NAMESPACE_PEER_TOKEN, MONITORING_PEER_TOKEN]) expect(program).toContain(`'${token}'`);
  });
});

describe('NetworkPolicy model evaluator (not a CNI): semantics it relies on', () => {
  it('selectors, CIDRs, and the empty-from rule', () => {
    expect(selects({}, { a: 'b' })).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'a', operator: 'In', values: ['x'] }] }, { a: 'b' })).toBe(false);
    expect(inCidr('10.244.0.1', '10.0.0.0/8')).toBe(true);
    expect(inCidr('203.0.113.10', '10.0.0.0/8')).toBe(false);
    const pod = (id: string): Endpoint => ({ id, ip: '10.0.0.1', namespace: 'n', labels: { id }, ports: [{ port: 1, protocol: 'TCP' }] });
    const p = (ingress: unknown[]): Policy => ({ metadata: { name: 'p', namespace: 'n' }, spec: { podSelector: { matchLabels: { id: 'b' } }, policyTypes: ['Ingress'], ingress: ingress as never } });
    expect(allowed([p([])], pod('a'), pod('b'), 1, 'TCP', nsLabels)).toBe(false);
    expect(allowed([p([{ from: [] }])], pod('a'), pod('b'), 1, 'TCP', nsLabels)).toBe(true);
    expect(allowed([p([{ ports: [{ port: 2 }] }])], pod('a'), pod('b'), 1, 'TCP', nsLabels)).toBe(false);
  });
});

describe.each(['a', 'b'])('hybrid prod, project %s: who can reach whom (NetworkPolicy model, not a CNI)', (id) => {
  const stack = () => stacks.get(id) as Stack;
  const pod = (name: string) => stack().pods.find((p) => p.id === name);
  const of = (prefix: string) => stack().pods.filter((p) => p.labels?.['app.kubernetes.io/name'] === prefix).map((p) => p.id);
  const brokerPods = (b: 'kafka' | 'rabbitmq' | 'redis') => stack().pods.filter((p) => p.namespace === stack().ns && selects({ matchLabels: brokerPeers('shop', b) }, p.labels ?? {})).map((p) => p.id);

  it('default deny: an unlabelled pod and another namespace reach nothing in the stack; every stack pod resolves DNS', () => {
    matrixSize = 0;
    const open = matrix(stack());
    const inStack = stack().pods.filter((p) => p.namespace === stack().ns);
    for (const dst of inStack) {
      expect(reach(open, 'app-unlabelled', dst.id), dst.id).toEqual([]);
      if (id === 'a') expect(reach(open, 'other-namespace', dst.id), dst.id).toEqual([]);
    }
    for (const src of inStack) expect(reach(open, src.id, 'kube-dns'), src.id).toEqual(['53/TCP', '53/UDP']);
    expect(reach(open, 'app-unlabelled', 'internet')).toEqual([]);
    console.info(`[netpol] project ${id}: ${stack().pods.length} endpoints, ${stack().policies.length} policies, ${open.size} open of ${matrixSize} (src, dst, port) cells evaluated`);
  });

  it('application pods: each broker’s client port, never an inter-node or metrics port; nothing of monitoring', () => {
    const open = matrix(stack());
    const CLIENT = ['kafka', 'amqp', 'redis', 'sentinel'];
    const NEVER = ['controller', 'epmd', 'dist', 'metrics', 'prometheus'];
    for (const b of ['kafka', 'rabbitmq', 'redis'] as const) {
      for (const dst of brokerPods(b).filter((p) => p.startsWith('StatefulSet/'))) {
        const ports = reach(open, 'app-client', dst);
        const named = (names: string[]) => (pod(dst)?.ports ?? []).filter((p) => names.includes(p.name ?? '')).map((p) => `${p.port}/${p.protocol}`);
        expect(named(CLIENT).length, dst).toBeGreaterThan(0);
        for (const p of named(CLIENT)) expect(ports, `${dst} ${p}`).toContain(p);
        for (const p of named(NEVER)) expect(ports, `${dst} ${p}`).not.toContain(p);
      }
    }
    for (const name of ['prometheus', 'alertmanager', 'pushgateway', 'grafana', 'redis-exporter', 'kafka-lag-exporter']) for (const dst of of(name)) expect(reach(open, 'app-client', dst), dst).toEqual([]);
    expect(reach(open, 'app-client', 'internet')).toEqual([]);
  });

  it('Alertmanager only from Prometheus; the Pushgateway only from Prometheus and the backup jobs', () => {
    const open = matrix(stack());
    expect(sources(open, 'Deployment/alertmanager')).toEqual(['Deployment/prometheus']);
    expect(sources(open, 'Deployment/pushgateway')).toEqual(['CronJob/kafka-backup', 'CronJob/rabbitmq-backup', 'CronJob/redis-backup', 'Deployment/prometheus']);
    expect(sources(open, 'Deployment/grafana')).toEqual([]);
    expect(sources(open, 'Deployment/prometheus')).toEqual(['Deployment/grafana']);
  });

  it('Prometheus scrapes every exporter, the brokers’ metrics ports and the Pushgateway, and reaches Alertmanager; Grafana reaches Prometheus only', () => {
    const open = matrix(stack());
    for (const dst of [...of('redis-exporter'), ...of('kafka-lag-exporter'), 'Deployment/alertmanager', 'Deployment/pushgateway']) {
      expect(reach(open, 'Deployment/prometheus', dst), dst).toEqual(pod(dst)?.ports.map((p) => `${p.port}/TCP`));
    }
    expect(reach(open, 'Deployment/prometheus', 'StatefulSet/kafka')).toContain('7071/TCP');
    // prod: RabbitMQ's metrics over HTTPS only (15691); the plain 15692 is not even listened on.
    expect(reach(open, 'Deployment/prometheus', 'StatefulSet/rabbitmq')).toContain('15691/TCP');
    const grafana = [...open].filter((k) => k.startsWith('Deployment/grafana>') && !k.includes('>kube-dns:'));
    expect(grafana).toEqual(['Deployment/grafana>Deployment/prometheus:9090/TCP']);
  });

  it('brokers reach their own pods and no other broker; the backup jobs reach their broker', () => {
    const open = matrix(stack());
    for (const b of ['kafka', 'rabbitmq', 'redis'] as const) {
      const mine = brokerPods(b).filter((p) => p.startsWith('StatefulSet/'));
      for (const src of mine) {
        for (const dst of mine.filter((d) => d !== src)) expect(reach(open, src, dst), `${src}>${dst}`).toEqual(pod(dst)?.ports.map((p) => `${p.port}/${p.protocol}`).sort());
        for (const other of (['kafka', 'rabbitmq', 'redis'] as const).filter((o) => o !== b)) for (const dst of brokerPods(other)) expect(reach(open, src, dst), `${src}>${dst}`).toEqual([]);
      }
      for (const dst of brokerPods(b).filter((p) => p.startsWith('StatefulSet/'))) expect(reach(open, `CronJob/${b}-backup`, dst).length, `${b}-backup>${dst}`).toBeGreaterThan(0);
    }
  });

  it('outside the cluster: HTTPS to public addresses for Alertmanager and the Kafka pods only; never private ranges or cloud metadata', () => {
    const open = matrix(stack());
    expect(sources(open, 'internet')).toEqual(['Deployment/alertmanager', 'StatefulSet/kafka']);
    expect(sources(open, 'cloud-metadata')).toEqual([]);
    expect(sources(open, 'node-network')).toEqual([]);
  });

  it.runIf(id === 'b')('Pulumi config: the custom client label reaches the brokers and a Prometheus in monitoringNamespace scrapes the exporters', () => {
    const open = matrix(stack());
    expect(reach(open, 'app-client', 'StatefulSet/kafka').length).toBeGreaterThan(0);
    expect(reach(open, 'external-prometheus', of('redis-exporter')[0] ?? '')).toEqual(['9121/TCP']);
    expect(JSON.stringify(stack().policies)).not.toMatch(/__[A-Z_]+__/);
  });

  it('control: without the default-deny and DNS policies an unlabelled pod reaches the internet', () => {
    const without = stack().policies.filter((p) => !['default-deny', 'allow-dns'].includes(p.metadata.name));
    expect(without.length).toBe(stack().policies.length - 2);
    expect(reach(matrix(stack(), without), 'app-unlabelled', 'internet')).toEqual(['443/TCP']);
  });
});
