/**
 * Proof that the checks of program.test.ts can fail: a generated program is broken on purpose
 * (a misspelt field, a wrong type, a writable root, a missing budget, an open NetworkPolicy, a
 * leaked secret), run under Pulumi mocks (no cluster, no Pulumi CLI), and every check must
 * report its breakage. Each edit must still match the generated code, so the test notices when
 * the templates move on.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { availabilityFindings, hardeningFindings, isolationFindings, leakFindings, schemaFindings } from './support/checks.ts';
import { k8sObjects, restrictedViolations, validateObject, type K8sObject } from './support/objects.ts';
import { runUnderMocks, secretValue, specFor, stackJob, writeProject } from './support/project.ts';
import type { MockRun } from './support/run-mocks.ts';

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}`);
  writeFileSync(file, text.replace(from, to));
}

let run: MockRun;
let objects: K8sObject[];

beforeAll(async () => {
  const infra = join(writeProject('mutation/hybrid-prod', specFor('hybrid', 'prod')), 'infra');
  edit(join(infra, 'components/kafka.ts'), "readinessProbe: tcpProbe('kafka', 10, 3),", "readinesProbe: tcpProbe('kafka', 10, 3),");
  edit(join(infra, 'settings/kafka.ts'), '"replicas": 3,', '"replicas": "3",');
  edit(join(infra, 'components/common.ts'), '  readOnlyRootFilesystem: true,\n', '  readOnlyRootFilesystem: false,\n');
  edit(join(infra, 'components/common.ts'), "capabilities: { drop: ['ALL'] },", "capabilities: { drop: ['NET_RAW'] },");
  edit(join(infra, 'components/common.ts'), 'if (workload.maxUnavailable === null) return undefined;', 'return undefined;');
  edit(join(infra, 'components/common.ts'), '{ from: [{ podSelector: { matchLabels: admission.peers } },', '{ from: [{ podSelector: {} },');
  edit(join(infra, 'index.ts'), 'name: namespaceName,\n', "name: namespaceName,\n        annotations: { note: config.requireSecret('redisPassword') },\n");
  const [only] = await runUnderMocks([stackJob(infra, 'prod', 'mut')], 'mutation');
  if (!only) throw new Error('no run');
  run = only;
  objects = k8sObjects(run);
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

  it('the oracles themselves: unknown fields, schema errors and Pod Security violations on hand-made objects', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { any: 'label' } }, spec: { containers: [{ name: 'c', image: 'i', securityContext: { runAsNonRot: true } }], hostNetwork: true } };
    const verdict = await validateObject(pod);
    expect(verdict.unknown).toEqual(['/spec/containers/0/securityContext/runAsNonRot']);
    expect((await validateObject({ ...pod, spec: { containers: [{ image: 'i' }] } })).errors.join()).toContain('"missingProperty":"name"');
    expect(restrictedViolations(pod.spec)).toEqual(expect.arrayContaining(['host namespaces', 'c: allowPrivilegeEscalation is not false', 'c: runAsNonRoot is not true', 'c: capabilities do not drop ALL']));
  });
});
