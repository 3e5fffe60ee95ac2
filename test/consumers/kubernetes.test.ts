/**
 * Every Kubernetes object the generated projects declare, judged by a real kube-apiserver v1.37.2
 * with etcd (scripts/tools; support/apiserver.ts), the kubectl of the same version:
 * - each project's `npm run render` output (the Pulumi program under Pulumi's mocks: what `pulumi up`
 *   sends), every stack: `kubectl apply --dry-run=server --validate=strict`, in the client-side and
 *   in the server-side form (field manager pulumi-kubernetes, as the Pulumi provider applies),
 *   with no error and no warning — the namespaces enforce and warn Pod Security `restricted`, so a
 *   pod template that breaks it would print a warning;
 * - each project's monitoring/k8s/prometheus-operator.yml (ServiceMonitor, PrometheusRule) against
 *   the operator's own CRDs (pinned in pins.json), installed into the API server;
 * - the prod stacks' cert-manager Issuers and Certificates (in the rendered objects above) against
 *   cert-manager's own CRDs (pinned in pins.json), installed likewise;
 * - hybrid prod applied for real, twice: the second apply changes nothing, and `kubectl diff` agrees.
 * Controls show each check can fail: an unknown field, an unrestricted pod, a drifted object.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCommand } from '../support/cli.ts';
import { startApiServer, type ApiServer } from './support/apiserver.ts';
import { PROJECT_CASES, WORK, projectDir } from './support/projects.ts';

const tools = inject('tools');
const need = (name: string): string => {
  const p = tools[name];
  if (!p) throw new Error(`globalSetup gave no ${name}`);
  return p;
};

const infraOf = (id: string) => join(projectDir(id), 'infra');
const stacksOf = (id: string) => readdirSync(infraOf(id)).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []).sort();
const renderedDir = (id: string, stack: string) => join(infraOf(id), 'rendered', stack);
const CASES = PROJECT_CASES.flatMap(({ id }) => stacksOf(id).map((stack) => ({ id, stack })));
const FIELD_MANAGER = 'pulumi-kubernetes';
const PROMETHEUS_OPERATOR_CRDS = ['servicemonitors', 'prometheusrules'];
const CERT_MANAGER_CRDS = ['issuers', 'certificates'];

const files = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(dir, f));
const namespaceFiles = (dir: string) => files(dir).filter((f) => /\/namespace-[^/]+\.yaml$/.test(f));
const objectFiles = (dir: string) => files(dir).filter((f) => !/\/namespace-[^/]+\.yaml$/.test(f));
const fileArgs = (paths: readonly string[]) => paths.flatMap((p) => ['-f', p]);

let server: ApiServer;
const counts = { stacks: 0, objects: 0, operatorObjects: 0 };

/** `node render.ts` in every generated infra/ (two at a time): rendered/<stack>/<kind>-<name>.yaml. */
async function renderAll(): Promise<void> {
  const queue = PROJECT_CASES.map((c) => c.id);
  const worker = async () => {
    for (let id = queue.shift(); id; id = queue.shift()) {
      const r = await runCommand(process.execPath, ['render.ts'], { cwd: infraOf(id), timeoutMs: 180_000 });
      if (r.code !== 0) throw new Error(`npm run render in ${id} failed:\n${r.output}`);
    }
  };
  await Promise.all([worker(), worker()]);
}

beforeAll(async () => {
  await renderAll();
  server = await startApiServer({ etcd: need('etcd'), kubeApiserver: need('kube-apiserver'), kubectl: need('kubectl') }, join(WORK, 'apiserver'));
  const crds = [
    ...PROMETHEUS_OPERATOR_CRDS.map((n) => join(need('prometheus-operator-crds'), `monitoring.coreos.com_${n}.yaml`)),
    ...CERT_MANAGER_CRDS.map((n) => join(need('cert-manager-crds'), `cert-manager.io_${n}.yaml`)),
  ];
  const install = await server.kubectl(['apply', '--server-side', ...fileArgs(crds)]);
  if (install.code !== 0) throw new Error(`installing the CRDs failed:\n${install.output}`);
  const established = await server.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...PROMETHEUS_OPERATOR_CRDS.map((n) => `crd/${n}.monitoring.coreos.com`), ...CERT_MANAGER_CRDS.map((n) => `crd/${n}.cert-manager.io`)]);
  if (established.code !== 0) throw new Error(`CRDs not established:\n${established.output}`);
  // The namespaces, for real (their Pod Security labels apply to everything dry-run into them).
  for (const { id, stack } of CASES) {
    const ns = await server.kubectl(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--validate=strict', ...fileArgs(namespaceFiles(renderedDir(id, stack)))]);
    if (ns.code !== 0 || ns.stderr !== '') throw new Error(`namespace of ${id}/${stack}:\n${ns.output}`);
  }
}, 900_000);

afterAll(async () => {
  await server?.stop();
  console.log(`[consumers] kube-apiserver: ${counts.stacks} project stacks, ${counts.objects} rendered objects × 2 apply forms, ${counts.operatorObjects} operator objects`);
});

describe.each(CASES)('kube-apiserver on $id, stack $stack', ({ id, stack }) => {
  const dir = renderedDir(id, stack);

  it('renders one Namespace with Pod Security restricted enforced and warned', () => {
    const namespaces = namespaceFiles(dir).map((f) => parse(readFileSync(f, 'utf8')) as { metadata: { labels: Record<string, string> } });
    expect(namespaces).toHaveLength(1);
    expect(namespaces[0]?.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' });
  });

  it.each([
    ['client-side apply', [] as string[]],
    ['server-side apply', ['--server-side', `--field-manager=${FIELD_MANAGER}`]],
  ])('every object passes %s --dry-run=server --validate=strict with no warning', async (_form, extra) => {
    const objects = objectFiles(dir);
    const r = await server.kubectl(['apply', ...extra, '--dry-run=server', '--validate=strict', ...fileArgs(objects)]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout.trim().split('\n')).toHaveLength(objects.length);
    if (extra.length === 0) {
      counts.stacks += 1;
      counts.objects += objects.length;
    }
  });
});

describe.each(PROJECT_CASES.map((c) => c.id))('kube-apiserver on %s: monitoring/k8s for the Prometheus operator', (id) => {
  const file = join(projectDir(id), 'monitoring', 'k8s', 'prometheus-operator.yml');

  it.skipIf(!existsSync(file))('ServiceMonitor and PrometheusRule objects pass the operator CRDs with strict validation', async () => {
    const kinds = readFileSync(file, 'utf8').split(/^---$/m).map((d) => (parse(d) as { kind?: string } | null)?.kind).filter(Boolean);
    expect(new Set(kinds)).toEqual(new Set(['ServiceMonitor', 'PrometheusRule']));
    const r = await server.kubectl(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--dry-run=server', '--validate=strict', '-f', file]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout.trim().split('\n')).toHaveLength(kinds.length);
    counts.operatorObjects += kinds.length;
  });
});

describe.each(PROJECT_CASES.map((c) => c.id))('kube-apiserver on %s, stack prod: cert-manager objects', (id) => {
  const dir = renderedDir(id, 'prod');
  type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec: Record<string, unknown> };
  const rendered = () => objectFiles(dir).map((f) => parse(readFileSync(f, 'utf8')) as Obj);

  it('every broker StatefulSet has a Certificate naming each of its pods as the configs do, and the CA chain is there', () => {
    const objects = rendered();
    const certs = new Map(objects.filter((o) => o.kind === 'Certificate').map((o) => [o.metadata.name, o.spec]));
    const issuers = objects.filter((o) => o.kind === 'Issuer').map((o) => Object.keys(o.spec)[0]);
    expect(issuers.sort()).toEqual(['ca', 'selfSigned']);
    expect([...certs.values()].filter((c) => c.isCA === true)).toHaveLength(1);
    const brokers = objects.filter((o) => o.kind === 'StatefulSet' && /^(kafka|rabbitmq|redis|redis-sentinel)$/.test(o.metadata.name));
    expect(brokers.length).toBeGreaterThan(0);
    for (const sts of brokers) {
      const cert = certs.get(`${sts.metadata.name}-tls`);
      expect(cert, sts.metadata.name).toBeDefined();
      const replicas = Number(sts.spec.replicas);
      const names = cert?.dnsNames as string[];
      for (let i = 0; i < replicas; i++) {
        const pod = `${sts.metadata.name}-${i}.${String(sts.spec.serviceName)}`;
        expect(names).toContain(pod);
        expect(names).toContain(`${pod}.${sts.metadata.namespace}.svc`);
      }
      expect(names.filter((n) => n.startsWith(`${sts.metadata.name}-${replicas}.`))).toEqual([]);
      expect(cert?.secretName).toBe(`${sts.metadata.name}-tls`);
    }
  });
});

describe('kube-apiserver: cert-manager CRDs judge the Certificates', () => {
  it('control: a Certificate with a field the CRD does not have is refused by strict validation', async () => {
    const file = objectFiles(renderedDir('hybrid-prod', 'prod')).find((f) => /\/certificate-[^/]+\.yaml$/.test(f));
    expect(file).toBeDefined();
    const doc = parse(readFileSync(file ?? '', 'utf8')) as { spec: Record<string, unknown> };
    doc.spec['subjectAltNames'] = ['typo.example'];
    const bad = join(WORK, `bad-certificate.json`);
    writeFileSync(bad, JSON.stringify(doc));
    const r = await server.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', bad]);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/unknown field "spec\.subjectAltNames"/);
  });
});

describe('kube-apiserver: hybrid prod applied for real', () => {
  const dir = renderedDir('hybrid-prod', 'prod');
  /**
   * The stored objects without what the server bumps on every write: resourceVersion, and the time
   * of a managedFields entry. (A no-op server-side apply still rewrites PersistentVolumeClaims here,
   * so their resourceVersion moves while nothing in them changes; compare contents, not versions.)
   */
  const stored = async () => {
    const r = await server.kubectl(['get', ...fileArgs(objectFiles(dir)), '-o', 'json']);
    expect(r.code, r.output).toBe(0);
    const list = JSON.parse(r.stdout) as { items: { kind: string; metadata: Record<string, unknown> & { name: string; managedFields?: Record<string, unknown>[] } }[] };
    return Object.fromEntries(list.items.map((o) => {
      const { resourceVersion: _version, managedFields = [], ...metadata } = o.metadata;
      return [`${o.kind}/${o.metadata.name}`, { ...o, metadata: { ...metadata, managedFields: managedFields.map(({ time: _time, ...f }) => f) } }];
    }));
  };

  it('stores every object; a second apply changes nothing and kubectl diff shows no drift', async () => {
    const apply = () => server.kubectl(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--validate=strict', ...fileArgs(objectFiles(dir))]);
    const first = await apply();
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    const before = await stored();
    expect(Object.keys(before)).toHaveLength(objectFiles(dir).length);
    const second = await apply();
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await stored()).toEqual(before);
    const diff = await server.kubectl(['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, ...fileArgs(objectFiles(dir))]);
    expect({ code: diff.code, stdout: diff.stdout }).toEqual({ code: 0, stdout: '' });
    console.log(`[consumers] hybrid-prod/prod: ${Object.keys(before).length} objects stored; second apply and diff: no change`);
  });

  it('control: a changed object is seen by kubectl diff (exit 1)', async () => {
    const configMap = objectFiles(dir).find((f) => /configmap-prometheus-config\.yaml$/.test(f));
    expect(configMap).toBeDefined();
    const doc = parse(readFileSync(configMap ?? '', 'utf8')) as { metadata: { labels: Record<string, string> } };
    doc.metadata.labels['drift'] = 'yes';
    const drifted = join(WORK, 'drifted-configmap.json');
    writeFileSync(drifted, JSON.stringify(doc));
    const diff = await server.kubectl(['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', drifted]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain('drift: "yes"');
  });
});

describe('kube-apiserver controls: the checks above can fail', () => {
  const ns = () => {
    const first = CASES[0];
    if (!first) throw new Error('no project');
    return (parse(readFileSync(namespaceFiles(renderedDir(first.id, first.stack))[0] ?? '', 'utf8')) as { metadata: { name: string } }).metadata.name;
  };
  const write = (name: string, obj: unknown) => {
    const file = join(WORK, name);
    writeFileSync(file, JSON.stringify(obj));
    return file;
  };
  const deployment = (podSpec: Record<string, unknown>) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'control', namespace: ns() },
    spec: { selector: { matchLabels: { app: 'control' } }, template: { metadata: { labels: { app: 'control' } }, spec: podSpec } },
  });

  it('an unknown field is an error under --validate=strict', async () => {
    const file = write('control-unknown-field.json', deployment({ containers: [{ name: 'c', image: 'busybox:1.37', imagePullPolicyy: 'Always' }] }));
    const r = await server.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolicyy"/);
  });

  it('a pod template that breaks Pod Security restricted is warned about', async () => {
    // No securityContext: root allowed, privilege escalation allowed, capabilities kept, no seccomp profile.
    const file = write('control-unrestricted.json', deployment({ containers: [{ name: 'c', image: 'busybox:1.37' }] }));
    const r = await server.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Warning: would violate PodSecurity "restricted:latest"/);
  });

  it('a misspelt field in a ServiceMonitor is an error (the CRD schema is installed)', async () => {
    const file = write('control-servicemonitor.json', {
      apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'control', namespace: ns() },
      spec: { selector: { matchLabels: { app: 'x' } }, endpoints: [{ port: 'metrics', intervall: '30s' }] },
    });
    const r = await server.kubectl(['apply', '--server-side', '--dry-run=server', '--validate=strict', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/intervall/);
  });
});
