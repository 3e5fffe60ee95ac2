/**
 * The seam for extra components (monitoring, backup): two test addons are registered with the
 * Kubernetes area the way a real one would be (createK8sArea), the project is generated, and the
 * program runs under Pulumi mocks (no cluster, no Pulumi CLI). Their objects must be created under
 * one Addon component each, in the stack's namespace, labelled, admitted by the NetworkPolicies,
 * with their secret in the stack's Secret and in the README, and only in the profile they apply to.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AREAS } from '../../generators/emit/index.ts';
import { createK8sArea, k8sArea } from '../../generators/emit/k8s.ts';
import type { K8sAddon } from '../../generators/emit/k8s-model.ts';
import { projectFiles } from '../../generators/emit/project.ts';
import type { StackSpec } from '../../generators/stack/index.ts';
import { IMAGES } from '../../generators/versions/images.ts';
import { hardeningFindings, schemaFindings } from './support/checks.ts';
import { all, at, find, k8sObjects, list, type K8sObject, type Obj } from './support/objects.ts';
import { prodWebConfigs, runUnderMocks, secretValue, specFor, stackJob, WORK } from './support/project.ts';
import type { MockRun } from './support/run-mocks.ts';

const hardened = { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
const podSecurity = { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, seccompProfile: { type: 'RuntimeDefault' } };
const small = { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } };

/** Shaped like the backup area's CronJobs: a script ConfigMap, a secret from the stack's Secret, a URL with the namespace. */
const nightly: K8sAddon = {
  id: 'nightly',
  description: 'Test addon: a nightly CronJob, its script and a ServiceMonitor.',
  access: 'operator',
  applies: (spec) => spec.profile === 'prod',
  secrets: () => [{ env: 'NIGHTLY_TOKEN', description: 'Token of the test addon' }],
  objects: (spec, namespace, topology) => [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nightly', namespace }, data: { 'run.sh': `redis-cli -h ${topology.host('redis', 0)} ping\n` } },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace, labels: { 'app.kubernetes.io/name': 'nightly-backup' } },
      spec: {
        schedule: spec.backup.schedule,
        jobTemplate: {
          spec: {
            template: {
              metadata: { labels: { 'app.kubernetes.io/name': 'nightly-backup' } },
              spec: {
                restartPolicy: 'OnFailure',
                automountServiceAccountToken: false,
                securityContext: podSecurity,
                containers: [
                  {
                    name: 'run',
                    image: IMAGES.redis,
                    command: ['sh', '/scripts/run.sh'],
                    env: [
                      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: `${spec.name}-secrets`, key: 'NIGHTLY_TOKEN' } } },
                      { name: 'PUSHGATEWAY_URL', value: `http://pushgateway.${namespace}.svc:9091` },
                    ],
                    resources: small,
                    securityContext: hardened,
                    volumeMounts: [{ name: 'scripts', mountPath: '/scripts' }],
                  },
                ],
                volumes: [{ name: 'scripts', configMap: { name: 'nightly' } }],
              },
            },
          },
        },
      },
    },
    { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'nightly', namespace }, spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } }, endpoints: [{ port: 'redis' }] } },
  ],
};

/** Shaped like an exporter: a Deployment whose pods must reach the brokers as monitoring. */
const exporter: K8sAddon = {
  id: 'exporter',
  description: 'Test addon: an exporter Deployment.',
  access: 'monitoring',
  applies: () => true,
  objects: (_spec, namespace) => [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'exporter', namespace },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'exporter' } },
        template: {
          metadata: { labels: { app: 'exporter' } },
          spec: {
            automountServiceAccountToken: false,
            securityContext: podSecurity,
            containers: [{ name: 'exporter', image: IMAGES.redis, resources: small, securityContext: hardened }],
          },
        },
      },
    },
  ],
};

function write(id: string, spec: StackSpec): string {
  const areas = AREAS.map((a) => (a === k8sArea ? createK8sArea([nightly, exporter]) : a));
  const outputs = areas.filter((a) => a.applies(spec)).map((a) => a.emit(spec));
  const dir = join(WORK, id);
  rmSync(dir, { recursive: true, force: true });
  for (const f of [...projectFiles(spec, outputs), ...outputs.flatMap((o) => o.files), ...prodWebConfigs(spec, 'add')]) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.contents);
  }
  return join(dir, 'infra');
}

const runs = new Map<string, MockRun>();

beforeAll(async () => {
  const infra = write('addons/hybrid', specFor('hybrid', 'prod'));
  for (const r of await runUnderMocks([stackJob(infra, 'prod', 'add'), stackJob(infra, 'dev', 'add')], 'addons')) runs.set(r.job.stack, r);
}, 120_000);

describe('addons (monitoring/backup seam) under Pulumi mocks (no cluster, no Pulumi CLI)', () => {
  const prod = () => runs.get('prod') as MockRun;
  const objects = (): K8sObject[] => k8sObjects(prod());
  // The mock monitor qualifies a URN with its direct parent's type: Addon → ConfigGroup → object.
  const addonObjects = () => objects().filter((o) => o.resource.urn.includes('::kubernetes:yaml:ConfigGroup$'));

  it('creates each addon\'s objects under its own Addon component, only in the profiles it applies to', () => {
    expect(prod().errors).toEqual([]);
    expect(prod().resources.filter((r) => r.type === 'brokerplate:messaging:Addon').map((r) => r.name).sort()).toEqual(['exporter', 'nightly']);
    const groups = prod().resources.filter((r) => r.type === 'kubernetes:yaml:ConfigGroup');
    expect(groups.map((g) => g.urn.split('::')[2])).toEqual(['brokerplate:messaging:Addon$kubernetes:yaml:ConfigGroup', 'brokerplate:messaging:Addon$kubernetes:yaml:ConfigGroup']);
    expect(addonObjects().map((o) => `${o.kind}/${o.name}`).sort()).toEqual(['ConfigMap/nightly', 'CronJob/nightly', 'Deployment/exporter', 'ServiceMonitor/nightly']);
    expect(find(objects(), 'ServiceMonitor', 'nightly')).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1' });
    const dev = runs.get('dev') as MockRun;
    expect(dev.errors).toEqual([]);
    expect(dev.resources.filter((r) => r.type === 'brokerplate:messaging:Addon').map((r) => r.name)).toEqual(['exporter']);
    expect(prod().outputs.addonObjects).toEqual(['ConfigMap/nightly', 'CronJob/nightly', 'ServiceMonitor/nightly', 'Deployment/exporter']);
  });

  it('puts them in the stack\'s namespace (also inside strings) and adds the recommended labels they lack', () => {
    for (const o of addonObjects()) {
      expect(JSON.stringify(o.obj)).not.toContain('__NAMESPACE__');
      expect(at(o.obj, 'metadata', 'namespace')).toBe('shop');
      const labels = at(o.obj, 'metadata', 'labels') as Record<string, string>;
      for (const l of ['name', 'instance', 'component', 'part-of', 'managed-by', 'version']) expect(labels[`app.kubernetes.io/${l}`], `${o.kind}/${o.name} ${l}`).toBeTruthy();
    }
    const cron = find(objects(), 'CronJob', 'nightly');
    expect(at(cron, 'metadata', 'labels', 'app.kubernetes.io/name')).toBe('nightly-backup');
    const env = list(at(cron, 'spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0, 'env')) as Obj[];
    expect(env.find((e) => e.name === 'PUSHGATEWAY_URL')?.value).toBe('http://pushgateway.shop.svc:9091');
    expect(at(find(objects(), 'ConfigMap', 'nightly'), 'data', 'run.sh')).toBe('redis-cli -h redis-0.redis-headless ping\n');
  });

  it('labels their pods with their access role, which the brokers\' NetworkPolicies admit', () => {
    const cronPod = at(find(objects(), 'CronJob', 'nightly'), 'spec', 'jobTemplate', 'spec', 'template', 'metadata', 'labels');
    expect(cronPod).toMatchObject({ 'brokerplate/access': 'operator', 'app.kubernetes.io/name': 'nightly-backup' });
    const exporterPod = at(find(objects(), 'Deployment', 'exporter'), 'spec', 'template', 'metadata', 'labels');
    expect(exporterPod).toMatchObject({ 'brokerplate/access': 'monitoring', app: 'exporter' });
    for (const policy of all(objects(), 'NetworkPolicy')) {
      const froms = list(at(policy, 'spec', 'ingress')).flatMap((r) => list(at(r, 'from'))).map((f) => (f as Obj).podSelector);
      expect(froms).toContainEqual({ matchLabels: { 'brokerplate/access': 'operator' } });
      expect(froms).toContainEqual({ matchLabels: { 'brokerplate/access': 'monitoring' } });
    }
  });

  it('their declared secret joins the stack\'s Secret (a Pulumi config secret) and the README', () => {
    expect(at(find(objects(), 'Secret', 'shop-secrets'), 'stringData', 'NIGHTLY_TOKEN')).toBe(secretValue('nightlyToken', 'add'));
    const readme = readFileSync(join(WORK, 'addons', 'hybrid', 'README.md'), 'utf8');
    expect(readme).toContain('pulumi config set --secret nightlyToken "$(openssl rand -hex 32)"');
    expect(readme).toContain('- `nightly` (prod): Test addon: a nightly CronJob, its script and a ServiceMonitor.');
  });

  it('their core objects validate against the Kubernetes schema and their pods meet the hardening checks', async () => {
    const core = addonObjects().filter((o) => o.kind !== 'ServiceMonitor');
    expect(await schemaFindings(core)).toEqual([]);
    expect(hardeningFindings(core)).toEqual([]);
  });
});
