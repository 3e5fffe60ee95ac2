/**
 * Proof that the checks of program.test.ts can fail: a generated program is broken on purpose
 * (a misspelt field, a wrong type, a writable root, a missing budget, an open NetworkPolicy, a
 * leaked secret, a metrics port closed to Prometheus, a Service port no pod has, a secret key
 * nobody sets), run under Pulumi mocks (no cluster, no Pulumi CLI), and every check must
 * report its breakage. Each edit must still match the generated code, so the test notices when
 * the templates move on.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { availabilityFindings, hardeningFindings, isolationFindings, leakFindings, schemaFindings } from './support/checks.ts';
import { k8sObjects, restrictedViolations, validateObject, type K8sObject, type Obj } from './support/objects.ts';
import { runUnderMocks, secretValue, specFor, stackJob, writeProject } from './support/project.ts';
import type { MockRun } from './support/run-mocks.ts';
import { peerIn, referenceFindings, scrapeFindings, serviceFindings, serviceMonitorFindings } from './support/wiring.ts';
import { prometheusOperatorObjects } from '../../generators/emit/monitoring-k8s.ts';
import { k8sNodes } from '../../generators/emit/monitoring-prometheus.ts';

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}`);
  writeFileSync(file, text.replace(from, to));
}

let run: MockRun;
let objects: K8sObject[];
/** A second copy broken only in how the pieces connect (the first one's open NetworkPolicy would hide a closed port). */
let wired: K8sObject[];
const spec = specFor('hybrid', 'prod');

beforeAll(async () => {
  const infra = join(writeProject('mutation/hybrid-prod', spec), 'infra');
  edit(join(infra, 'components/kafka.ts'), "readinessProbe: tcpProbe('kafka', 10, 3),", "readinesProbe: tcpProbe('kafka', 10, 3),");
  edit(join(infra, 'settings/kafka.ts'), '"replicas": 3,', '"replicas": "3",');
  edit(join(infra, 'components/common.ts'), '  readOnlyRootFilesystem: true,\n', '  readOnlyRootFilesystem: false,\n');
  edit(join(infra, 'components/common.ts'), "capabilities: { drop: ['ALL'] },", "capabilities: { drop: ['NET_RAW'] },");
  edit(join(infra, 'components/common.ts'), 'if (workload.maxUnavailable === null) return undefined;', 'return undefined;');
  edit(join(infra, 'components/common.ts'), '{ from: [{ podSelector: { matchLabels: admission.peers } },', '{ from: [{ podSelector: {} },');
  edit(join(infra, 'index.ts'), 'name: namespaceName,\n', "name: namespaceName,\n        annotations: { note: config.requireSecret('redisPassword') },\n");
  const wiring = join(writeProject('mutation/hybrid-prod-wiring', spec), 'infra');
  edit(join(wiring, 'components/kafka.ts'), 'metricsPorts: s.metrics ? [s.metrics.port.containerPort] : []', 'metricsPorts: []');
  edit(join(wiring, 'components/rabbitmq.ts'), "{ name: 'management', port: s.ports.management }], this);", "{ name: 'management', port: s.ports.management }, { name: 'prometheus', port: s.ports.prometheus }, { name: 'stats', port: 15671 }], this);");
  edit(join(wiring, 'addons/prod/monitoring.json'), '"key": "GRAFANA_ADMIN_PASSWORD"', '"key": "GRAFANA_PASSWORD"');
  const [only, second] = await runUnderMocks([stackJob(infra, 'prod', 'mut'), stackJob(wiring, 'prod', 'wire')], 'mutation');
  if (!only || !second) throw new Error('no run');
  expect(second.errors).toEqual([]);
  run = only;
  objects = k8sObjects(run);
  wired = k8sObjects(second);
}, 120_000);

describe('checks catch a deliberately broken program under Pulumi mocks (no cluster, no Pulumi CLI)', () => {
  it('the broken program still runs', () => {
    expect(run.errors).toEqual([]);
    expect(objects.length).toBeGreaterThan(20);
  });

  it('schema: a misspelt field and a wrong type', async () => {
    const findings = await schemaFindings(objects);
    expect(findings).toContain('StatefulSet/kafka: unknown field /spec/template/spec/containers/0/readinesProbe');
    expect(findings.some((f) => f.startsWith('StatefulSet/kafka: {') && f.includes('"instancePath":"/spec/replicas"'))).toBe(true);
  });

  it('hardening: a writable root, capabilities kept, a missing probe', () => {
    const findings = hardeningFindings(objects);
    expect(findings).toContain('StatefulSet/rabbitmq: writable root file system');
    expect(findings).toContain('StatefulSet/redis: redis: capabilities do not drop ALL');
    expect(findings).toContain('StatefulSet/kafka: no readiness probe');
  });

  it('availability: prod without PodDisruptionBudgets', () => {
    expect(availabilityFindings(objects, 'prod')).toEqual(expect.arrayContaining(['StatefulSet/kafka: no PodDisruptionBudget', 'StatefulSet/redis-sentinel: no PodDisruptionBudget']));
  });

  it('isolation: a NetworkPolicy rule open to every pod', () => {
    expect(isolationFindings(objects)).toContain('StatefulSet/rabbitmq: every port open to {"podSelector":{}}');
  });

  it('secrets: a secret value in an annotation, even though Pulumi marks it secret', () => {
    expect(leakFindings(objects, [secretValue('redisPassword', 'mut')])).toEqual(['Namespace/shop holds a secret value']);
  });

  it('wiring: a metrics port closed to Prometheus, a Service port no pod has, a metrics port on two Services, a secret key nobody sets', () => {
    expect(scrapeFindings(wired, 'shop')).toEqual([0, 1, 2].map((i) => `job kafka -> kafka-${i}.kafka-headless:7071: the NetworkPolicy of StatefulSet/kafka refuses it on port 7071`));
    expect(serviceFindings(wired)).toEqual(['Service/rabbitmq port stats targets stats, which StatefulSet/rabbitmq does not have']);
    const monitors = prometheusOperatorObjects(spec, 'shop', k8sNodes('shop')) as Obj[];
    expect(serviceMonitorFindings(wired, monitors, peerIn('shop', { 'brokerplate/access': 'monitoring' }))).toEqual([
      'ServiceMonitor/kafka port metrics: the NetworkPolicy of StatefulSet/kafka refuses port 7071',
      'ServiceMonitor/rabbitmq port prometheus: 2 selected Services have it (rabbitmq, rabbitmq-headless)',
      'ServiceMonitor/rabbitmq-queues port prometheus: 2 selected Services have it (rabbitmq, rabbitmq-headless)',
    ]);
    // prod: Grafana reads its admin password as a file from the Secret (a volume item), not an env var.
    expect(referenceFindings(wired)).toEqual(['Deployment/grafana: volume passwords reads key GRAFANA_PASSWORD of Secret shop-secrets, which does not exist']);
  });

  it('the oracles themselves: unknown fields, schema errors and Pod Security violations on hand-made objects', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { any: 'label' } }, spec: { containers: [{ name: 'c', image: 'i', securityContext: { runAsNonRot: true } }], hostNetwork: true } };
    const verdict = await validateObject(pod);
    expect(verdict.unknown).toEqual(['/spec/containers/0/securityContext/runAsNonRot']);
    expect((await validateObject({ ...pod, spec: { containers: [{ image: 'i' }] } })).errors.join()).toContain('"missingProperty":"name"');
    expect(restrictedViolations(pod.spec)).toEqual(expect.arrayContaining(['host namespaces', 'c: allowPrivilegeEscalation is not false', 'c: runAsNonRoot is not true', 'c: capabilities do not drop ALL']));
  });
});
