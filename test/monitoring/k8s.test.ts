/**
 * The monitoring and backup objects for Kubernetes (mocked: no cluster, no Pulumi CLI here), judged
 * by the Kubernetes area's own checks: schema and unknown fields (kubernetes-models), the
 * "restricted" Pod Security Standard and hardening; then through the area's addon seam
 * (createK8sArea), which must take them as they are.
 */
import { describe, expect, it } from 'vitest';
import { backupK8sAddon } from '../../generators/emit/backup.ts';
import { createK8sArea } from '../../generators/emit/k8s.ts';
import { k8sTopology, NAMESPACE_TOKEN } from '../../generators/emit/k8s-model.ts';
import { monitoringK8sAddon } from '../../generators/emit/monitoring-k8s.ts';
import { hardeningFindings, schemaFindings } from '../k8s/support/checks.ts';
import { fileObject, type K8sObject as CheckedObject, type Obj } from '../k8s/support/objects.ts';
import { opsSpec } from '../support/ops.ts';

const cases = [
  { scenario: 'hybrid', profile: 'prod' },
  { scenario: 'hybrid', profile: 'dev' },
  { scenario: 'queue-and-cache', profile: 'prod' },
] as const;

describe.each(cases)('Kubernetes monitoring and backup objects: $scenario ($profile)', ({ scenario, profile }) => {
  const spec = opsSpec(scenario, profile);
  const objects = [monitoringK8sAddon, backupK8sAddon].flatMap((a) => a.objects(spec, 'shop', k8sTopology()));
  const checked: CheckedObject[] = objects.map((o) => fileObject(o as Obj));

  it('pass the schema (no unknown fields) and the hardening checks of the Kubernetes area', async () => {
    expect(await schemaFindings(checked)).toEqual([]);
    expect(hardeningFindings(checked)).toEqual([]);
    expect(objects.filter((o) => o.kind === 'Deployment').length).toBeGreaterThanOrEqual(4);
    // control: the same checks flag a container that loses its read-only root or a typo'd field
    const broken = structuredClone(checked.find((o) => o.kind === 'Deployment')) as CheckedObject;
    const container = ((broken.obj.spec as Obj).template as { spec: { containers: Obj[] } }).spec.containers[0] as Obj;
    (container.securityContext as Obj).readOnlyRootFilesystem = false;
    container.imagePullPolicyy = 'Always';
    expect(hardeningFindings([broken])).not.toEqual([]);
    expect(await schemaFindings([broken])).not.toEqual([]);
  });

  it('go through the addon seam: addon files per profile, the Grafana secret as a Pulumi config secret', () => {
    const area = createK8sArea([monitoringK8sAddon, backupK8sAddon]);
    const out = area.emit(spec);
    const paths = out.files.map((f) => f.path);
    expect(paths).toContain(`infra/addons/${profile}/monitoring.json`);
    expect(paths).toContain(`infra/addons/${profile}/backup.json`);
    const text = out.files.find((f) => f.path === `infra/addons/${profile}/monitoring.json`)?.contents ?? '{}';
    const addon = JSON.parse(text) as { objects: { kind: string; metadata: { namespace?: string } }[] };
    // the same objects as the addon builds, with the namespace left for the program to fill in
    expect(addon.objects.map((o) => o.kind)).toEqual(monitoringK8sAddon.objects(spec, NAMESPACE_TOKEN, k8sTopology()).map((o) => o.kind));
    expect(addon.objects.filter((o) => o.kind === 'Deployment').length).toBeGreaterThan(0);
    expect(addon.objects.every((o) => o.metadata.namespace === undefined || o.metadata.namespace === NAMESPACE_TOKEN)).toBe(true);
    expect(JSON.stringify(out.readme ?? [])).toContain('GRAFANA_ADMIN_PASSWORD');
  });
});
