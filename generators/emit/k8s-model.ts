/**
 * What the Kubernetes area shares with the broker modules (generators/brokers/<b>/k8s.ts): how
 * pods are named (the Kubernetes Topology the shared config builders take), the sizing of a
 * workload per profile, a broker's part of the generated Pulumi program, and the seam through
 * which other areas (monitoring, backup) add plain Kubernetes objects to the program.
 */
import type { BrokerId } from '../guide/index.ts';
import type { Profile, Resources, StackSpec } from '../stack/index.ts';
import type { SecretDef } from '../brokers/types.ts';
import type { NodeGroup, Topology } from '../brokers/topology.ts';

// ---------------------------------------------------------------- naming

/** The StatefulSet of a node group (`kafka`, `redis-sentinel`); its pods are `<name>-<ordinal>`. */
export function statefulSetName(group: NodeGroup): string {
  return group;
}

/** The headless Service that gives each pod of a group its DNS name (`kafka-0.kafka-headless`). */
export function headlessServiceName(group: NodeGroup): string {
  return `${group}-headless`;
}

export function podName(group: NodeGroup, ordinal: number): string {
  return `${statefulSetName(group)}-${ordinal}`;
}

/**
 * Pods as their peers and in-namespace clients resolve them: `<pod>.<headless service>`, which
 * the pod's DNS search path completes with `<namespace>.svc.cluster.local`. Leaving the namespace
 * out keeps the generated config files valid whatever namespace the stack is deployed to (it is
 * Pulumi config); clients therefore run in the stack's namespace, which the NetworkPolicies
 * require anyway. Pass a namespace for fully qualified names (e.g. Prometheus in another namespace).
 */
export function k8sTopology(namespace?: string): Topology {
  const suffix = namespace ? `.${namespace}.svc.cluster.local` : '';
  return { host: (group, ordinal) => `${podName(group, ordinal)}.${headlessServiceName(group)}${suffix}` };
}

/** The version label of a broker's objects: its image tag. */
export function imageVersion(image: string): string {
  const tag = image.slice(image.lastIndexOf(':') + 1);
  if (!tag || tag === image) throw new Error(`image without a tag: ${image}`);
  return tag;
}

// ---------------------------------------------------------------- objects and hardened pods

/** A Kubernetes object as plain data (apiVersion, kind, metadata, ...). */
export type K8sObject = Readonly<Record<string, unknown>> & { readonly apiVersion: string; readonly kind: string };

/**
 * Pod and container security for the namespace's "restricted" Pod Security Standard: non-root
 * (the image's own user), no privilege escalation, no capabilities, the runtime's seccomp profile.
 * `fsGroup` makes mounted volumes writable for that user. Pods also set
 * `automountServiceAccountToken: false` (none of them talks to the API server).
 */
export function restrictedPod(uid: number): Record<string, unknown> {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: 'RuntimeDefault' } };
}

export function restrictedContainer(): Record<string, unknown> {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
}

/** A writable scratch directory for a read-only root file system. */
export function scratch(name: string, mountPath: string): { volume: Record<string, unknown>; mount: Record<string, unknown> } {
  return { volume: { name, emptyDir: {} }, mount: { name, mountPath } };
}

/** The users the images run as (numeric, so runAsNonRoot can be verified). */
export const IMAGE_UIDS = {
  prometheus: 65534,
  alertmanager: 65534,
  pushgateway: 65534,
  grafana: 472,
  redisExporter: 59000,
  /** kafka_exporter's image runs as root by default: run it as nobody. */
  kafkaExporter: 65534,
  curl: 100,
  redis: 999,
  rabbitmq: 999,
  kafka: 1000,
} as const;

// ---------------------------------------------------------------- sizing

export interface K8sResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** How one StatefulSet is sized and spread; the generated program's `WorkloadSettings`. */
export interface WorkloadSettings {
  readonly replicas: number;
  readonly resources: K8sResources;
  /** Size of each pod's PersistentVolumeClaim. */
  readonly storage: string;
  /** prod: replicas must land on different nodes; dev: preferably. */
  readonly antiAffinity: 'required' | 'preferred';
  /** PodDisruptionBudget `maxUnavailable`; null for a single replica, where a budget could only block node drains. */
  readonly maxUnavailable: number | null;
}

export function workload(profile: Profile, replicas: number, resources: Resources): WorkloadSettings {
  return {
    replicas,
    resources: { requests: { ...resources.requests }, limits: { ...resources.limits } },
    storage: resources.storage,
    antiAffinity: profile === 'prod' ? 'required' : 'preferred',
    maxUnavailable: replicas > 1 ? 1 : null,
  };
}

/** A non-root user of an image (its Dockerfile's `USER`), for runAsUser/runAsGroup/fsGroup. */
export interface ImageUser {
  readonly uid: number;
  readonly gid: number;
}

// ---------------------------------------------------------------- a broker's part

/**
 * A broker's part of the Pulumi program: generators/brokers/<broker>/k8s.ts. The spec passed in
 * carries the profile being built (the program holds both profiles; the stack picks one).
 */
export interface K8sPart<S> {
  readonly broker: BrokerId;
  /** Config files for `infra/config/<profile>/<broker>/`, built by generators/brokers/<broker>/config.ts with k8sTopology(). */
  files(spec: StackSpec): Readonly<Record<string, string>>;
  /** The data the generated component reads (`infra/settings/<broker>.ts`). */
  settings(spec: StackSpec): S;
  /** README prose: what the component deploys in the active profile. */
  readme(spec: StackSpec): string;
  /** Outputs of the component the program exports besides `endpoint` (`<broker><Name>`, from the component's property). */
  readonly outputs?: readonly K8sOutput[];
}

/** A stack output of the Pulumi program: `export const <broker><name> = <component>.<property>`. */
export interface K8sOutput {
  /** The component's property, e.g. `hosts`. */
  readonly property: string;
  readonly doc: string;
}

// ---------------------------------------------------------------- the seam for other areas

/** Stands for the stack's namespace in addon objects; the program substitutes the configured one. */
/** The stack's Secret (keyed like .env, created by the Pulumi program): every object that mounts or references a secret names it. */
export function stackSecretName(spec: Pick<StackSpec, 'name'>): string {
  return `${spec.name}-secrets`;
}

export const NAMESPACE_TOKEN = '__NAMESPACE__';

/** The pod label of the NetworkPolicies' "operator" peers (backup jobs, admin tools): every broker port. */
export const ACCESS_LABEL = 'brokerplate/access';

/**
 * Extra components of the Kubernetes program (monitoring, backup): plain Kubernetes objects the
 * program creates in the stack's namespace under one ComponentResource per addon. Register an
 * addon in K8S_ADDONS (generators/emit/k8s.ts); nothing else changes.
 *
 * - `objects` gets NAMESPACE_TOKEN as the namespace (use it in `metadata.namespace` and in DNS
 *   names such as `pushgateway.<namespace>.svc`) and the pods' Topology.
 * - Reference secrets as `secretKeyRef: { name: '<spec.name>-secrets', key: <env name> }` and
 *   declare them in `secrets`: they become Pulumi config secrets like the brokers' own.
 * - `access` labels the addon's pods so the brokers' NetworkPolicies admit them: `monitoring`
 *   (metrics and client ports; Prometheus, exporters) or `operator` (every port; backup jobs).
 * - Pods must meet the namespace's Pod Security Standard ("restricted"), or Kubernetes rejects them.
 */
export interface K8sAddon {
  readonly id: string;
  applies(spec: StackSpec): boolean;
  objects(spec: StackSpec, namespace: string, topology: Topology): readonly K8sObject[];
  secrets?(spec: StackSpec): readonly SecretDef[];
  readonly access?: 'monitoring' | 'operator';
  /** One line for the README. */
  readonly description: string;
}
