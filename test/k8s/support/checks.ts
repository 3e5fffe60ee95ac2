/**
 * The generic checks over a program's Kubernetes objects, as functions that return findings
 * (empty = fine), so the same code judges the generated programs and, in mutation.test.ts,
 * deliberately broken copies of them (proof that each check can fail).
 */
import { all, at, containersOf, isObj, list, podTemplateOf, restrictedViolations, validateObject, type K8sObject, type Obj } from './objects.ts';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Schema errors and unknown fields, as `<Kind>/<name>: ...`. */
export async function schemaFindings(objects: readonly K8sObject[]): Promise<string[]> {
  const out: string[] = [];
  for (const o of objects) {
    const verdict = await validateObject(o.obj);
    out.push(...verdict.errors.map((e) => `${o.kind}/${o.name}: ${e}`), ...verdict.unknown.map((p) => `${o.kind}/${o.name}: unknown field ${p}`));
  }
  return out;
}

/** Objects (other than the Secret's stringData) whose text contains one of the secret values. */
export function leakFindings(objects: readonly K8sObject[], values: readonly string[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const text = JSON.stringify(o.kind === 'Secret' ? { ...o.obj, stringData: undefined, data: undefined } : o.obj);
    for (const v of values) if (text.includes(v)) out.push(`${o.kind}/${o.name} holds a secret value`);
  }
  return out;
}

/** Pod Security "restricted" plus what the brief asks beyond it: read-only root, no token, limits, probes. */
export function hardeningFindings(objects: readonly K8sObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const template = podTemplateOf(o.obj);
    if (!template) continue;
    const what = `${o.kind}/${o.name}`;
    const pod = at(template, 'spec') as Obj;
    out.push(...restrictedViolations(pod).map((v) => `${what}: ${v}`));
    if (pod.automountServiceAccountToken !== false) out.push(`${what}: mounts a service-account token`);
    for (const ctr of containersOf(pod)) {
      const sc = isObj(ctr.securityContext) ? ctr.securityContext : {};
      if (sc.readOnlyRootFilesystem !== true) out.push(`${what}: writable root file system`);
      for (const kind of ['requests', 'limits']) {
        for (const r of ['cpu', 'memory']) {
          const resources = isObj(ctr.resources) ? ctr.resources : {};
          const block = isObj(resources[kind]) ? (resources[kind] as Obj) : {};
          if (!block[r]) out.push(`${what}: no ${kind}.${r}`);
        }
      }
    }
    // Servers are probed; init containers run to completion, and Kubernetes refuses probes on them.
    if (o.kind === 'StatefulSet') {
      for (const ctr of list(pod.containers).filter(isObj)) {
        if (!isObj(ctr.readinessProbe)) out.push(`${what}: no readiness probe`);
        if (!isObj(ctr.livenessProbe)) out.push(`${what}: no liveness probe`);
      }
    }
    for (const init of list(pod.initContainers).filter(isObj)) {
      if (init.restartPolicy === 'Always') continue; // a sidecar may be probed
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) if (init[probe] !== undefined) out.push(`${what}: init container ${String(init.name)} has a ${probe}`);
    }
  }
  return out;
}

/** prod: every StatefulSet has required anti-affinity and a PDB (maxUnavailable 1) selecting exactly its pods. */
export function availabilityFindings(objects: readonly K8sObject[], profile: 'dev' | 'prod'): string[] {
  const out: string[] = [];
  const budgets = all(objects, 'PodDisruptionBudget');
  for (const set of all(objects, 'StatefulSet')) {
    const name = String(at(set, 'metadata', 'name'));
    const match = at(set, 'spec', 'selector', 'matchLabels');
    const anti = isObj(at(set, 'spec', 'template', 'spec', 'affinity')) ? (at(set, 'spec', 'template', 'spec', 'affinity', 'podAntiAffinity') as Obj | undefined) : undefined;
    const budget = budgets.find((b) => same(at(b, 'spec', 'selector', 'matchLabels'), match));
    if (profile === 'prod') {
      const required = list(anti?.requiredDuringSchedulingIgnoredDuringExecution).filter(isObj);
      if (!required.some((t) => same(at(t, 'labelSelector', 'matchLabels'), match) && t.topologyKey === 'kubernetes.io/hostname')) out.push(`StatefulSet/${name}: replicas may share a node`);
      if (!budget) out.push(`StatefulSet/${name}: no PodDisruptionBudget`);
      else if (at(budget, 'spec', 'maxUnavailable') !== 1) out.push(`StatefulSet/${name}: PodDisruptionBudget allows more than one pod down`);
    } else if (budget) {
      out.push(`StatefulSet/${name}: a PodDisruptionBudget on a single replica blocks node drains`);
    }
  }
  return out;
}

/** Every StatefulSet's pods are selected by an Ingress NetworkPolicy whose port-less rule admits only peers and operators. */
export function isolationFindings(objects: readonly K8sObject[]): string[] {
  const out: string[] = [];
  const policies = all(objects, 'NetworkPolicy');
  for (const set of all(objects, 'StatefulSet')) {
    const name = String(at(set, 'metadata', 'name'));
    const match = at(set, 'spec', 'selector', 'matchLabels') as Obj;
    const policy = policies.find((p) => same(at(p, 'spec', 'podSelector', 'matchLabels'), match));
    if (!policy) {
      out.push(`StatefulSet/${name}: no NetworkPolicy`);
      continue;
    }
    if (!same(at(policy, 'spec', 'policyTypes'), ['Ingress'])) out.push(`StatefulSet/${name}: NetworkPolicy is not an Ingress policy`);
    for (const rule of list(at(policy, 'spec', 'ingress')).filter(isObj)) {
      if (rule.ports !== undefined) continue;
      for (const from of list(rule.from).filter(isObj)) {
        const labels = isObj(from.podSelector) ? (from.podSelector.matchLabels as Obj | undefined) : undefined;
        const peer = labels?.['app.kubernetes.io/name'] === match['app.kubernetes.io/name'] && labels?.['app.kubernetes.io/instance'] === match['app.kubernetes.io/instance'];
        const operator = same(labels, { 'brokerplate/access': 'operator' });
        if (from.namespaceSelector !== undefined || !(peer || operator)) out.push(`StatefulSet/${name}: every port open to ${JSON.stringify(from)}`);
      }
    }
  }
  return out;
}
