/**
 * The namespace's NetworkPolicies, through the K8sAddon seam: deny all ingress and egress, then
 * allow exactly what the stack does.
 *
 * - every pod: DNS (kube-system, port 53);
 * - a broker's pods: each other (the broker component's own policy admits them on every port, and
 *   the application, monitoring and operator pods on theirs);
 * - the application (pods matching `clientPodSelector`, default `brokerplate/access: client`): the
 *   brokers (their policies keep it to the client ports) and nothing else — not Prometheus,
 *   Alertmanager, the Pushgateway or Grafana;
 * - Prometheus: scrapes the brokers and the exporters, sends to Alertmanager, reads the
 *   Pushgateway; Grafana: Prometheus only; the exporters: the brokers, scraped by Prometheus (and a
 *   `monitoringNamespace`); the backup jobs: the brokers and the Pushgateway;
 * - outside the cluster: Alertmanager (receivers) and, while monitoring is on, the Kafka pods
 *   (the JMX agent download) on HTTPS to public addresses only (network-policy-model.ts says why).
 * Who may reach whom is taken from the other addons' own workloads (labels, container ports).
 */
import { brokersOf, type StackSpec } from '../stack/index.ts';
import type { K8sAddon, K8sObject } from './k8s-model.ts';
import {
  ALERTMANAGER_EGRESS, brokerPeers, CLIENT_SELECTOR_TOKEN, DNS, KAFKA_AGENT_EGRESS, MONITORING_NAMESPACE_PEER_TOKEN, MONITORING_PEER_TOKEN, MONITORING_ROLES, NAME_LABEL, PUBLIC_INTERNET, SERVER_COMPONENT,
  type ExternalEgress, type Labels,
} from './network-policy-model.ts';

/** A pod of another addon: its name label, its container ports, and the addon's access. */
export interface AddonWorkload {
  readonly name: string;
  readonly ports: readonly number[];
  readonly access: 'monitoring' | 'operator' | null;
}

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((at, key) => (isObj(at) ? at[key] : undefined), o);

function podTemplate(obj: K8sObject): unknown {
  if (obj.kind === 'CronJob') return get(obj, 'spec', 'jobTemplate', 'spec', 'template');
  return ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(obj.kind) ? get(obj, 'spec', 'template') : undefined;
}

/** The workloads among an addon's objects. */
export function addonWorkloads(objects: readonly K8sObject[], access: AddonWorkload['access']): AddonWorkload[] {
  return objects.flatMap((obj) => {
    const template = podTemplate(obj);
    const name = get(template, 'metadata', 'labels', NAME_LABEL);
    if (typeof name !== 'string') return [];
    const containers = get(template, 'spec', 'containers');
    const ports = (Array.isArray(containers) ? containers : []).flatMap((c) => {
      const list = get(c, 'ports');
      return (Array.isArray(list) ? list : []).map((p) => get(p, 'containerPort')).filter((p): p is number => typeof p === 'number');
    });
    return [{ name, ports, access }];
  });
}

const byName = (name: string) => ({ podSelector: { matchLabels: { [NAME_LABEL]: name } } });
const byNames = (names: readonly string[]) => ({ podSelector: { matchExpressions: [{ key: NAME_LABEL, operator: 'In', values: [...names].sort() }] } });
const tcp = (ports: readonly number[]) => [...new Set(ports)].sort((a, b) => a - b).map((port) => ({ protocol: 'TCP', port }));

function policy(name: string, namespace: string, podSelector: unknown, spec: { ingress?: unknown[]; egress?: unknown[] }, about: string): K8sObject {
  const types = [...(spec.ingress ? ['Ingress'] : []), ...(spec.egress ? ['Egress'] : [])];
  // An empty rule list is left out (policyTypes alone isolates): the API server drops it, and sending it
  // would make every apply a change (a new generation).
  const rules = Object.fromEntries(Object.entries(spec).filter(([, list]) => list.length > 0));
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace, annotations: { 'brokerplate/why': about } },
    spec: { podSelector, policyTypes: types, ...rules },
  };
}

function publicEgress(e: ExternalEgress) {
  return { to: [{ ipBlock: { cidr: PUBLIC_INTERNET.cidr, except: [...PUBLIC_INTERNET.except] } }], ports: tcp([e.port]) };
}

/** The policies for one profile of the stack, given the other addons' workloads. */
export function networkPolicies(spec: StackSpec, namespace: string, workloads: readonly AddonWorkload[]): K8sObject[] {
  const brokers = brokersOf(spec).map((b) => ({ id: b, peers: brokerPeers(spec.name, b) }));
  const toBrokers = brokers.map((b) => ({ podSelector: { matchLabels: { ...b.peers } } }));
  const role = (name: string) => workloads.find((w) => w.access === 'monitoring' && w.name === name);
  const roles = new Set<string>(Object.values(MONITORING_ROLES));
  const exporters = workloads.filter((w) => w.access === 'monitoring' && !roles.has(w.name));
  const operators = workloads.filter((w) => w.access === 'operator');
  const prometheus = role(MONITORING_ROLES.prometheus);
  const alertmanager = role(MONITORING_ROLES.alertmanager);
  const pushgateway = role(MONITORING_ROLES.pushgateway);
  const grafana = role(MONITORING_ROLES.grafana);

  /** Prometheus (ours, by name), any monitoring-labelled pod, the monitoringNamespace: who may scrape. */
  const scrapers = [...(prometheus ? [byName(prometheus.name)] : []), MONITORING_PEER_TOKEN, MONITORING_NAMESPACE_PEER_TOKEN];
  const out: K8sObject[] = [
    policy('default-deny', namespace, {}, { ingress: [], egress: [] }, 'Nothing in or out of the namespace unless another policy allows it.'),
    policy('allow-dns', namespace, {}, { egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': DNS.namespace } } }], ports: [{ protocol: 'UDP', port: DNS.port }, { protocol: 'TCP', port: DNS.port }] }] }, 'Every pod resolves names through the cluster DNS in kube-system.'),
    ...brokers.map((b) => policy(`${b.id}-peers`, namespace, { matchLabels: { ...b.peers } }, { egress: [{ to: [{ podSelector: { matchLabels: { ...b.peers } } }] }] }, `The ${b.id} pods reach each other (replication, quorum, init jobs); the ${b.id} component's own policy admits them.`)),
    policy('clients', namespace, CLIENT_SELECTOR_TOKEN, { egress: toBrokers.length > 0 ? [{ to: toBrokers }] : [] }, "The application's pods (clientPodSelector) reach the brokers; the brokers' policies keep them to the client ports."),
  ];
  if (prometheus) {
    const scraped = [...exporters, ...(alertmanager ? [alertmanager] : []), ...(pushgateway ? [pushgateway] : [])];
    out.push(policy('prometheus', namespace, byName(prometheus.name).podSelector, {
      ingress: grafana ? [{ from: [byName(grafana.name)], ports: tcp(prometheus.ports) }] : [],
      egress: [
        ...(toBrokers.length > 0 ? [{ to: toBrokers }] : []),
        ...scraped.map((w) => ({ to: [byName(w.name)], ports: tcp(w.ports) })),
      ],
    }, 'Prometheus scrapes the brokers, the exporters and the Pushgateway, and sends alerts to Alertmanager; Grafana queries it.'));
  }
  if (alertmanager) {
    out.push(policy('alertmanager', namespace, byName(alertmanager.name).podSelector, {
      ingress: [{ from: scrapers, ports: tcp(alertmanager.ports) }],
      egress: [publicEgress(ALERTMANAGER_EGRESS)],
    }, `Alertmanager: alerts from Prometheus (and monitoring pods, whose egress stays their own) only; ${ALERTMANAGER_EGRESS.reason}`));
  }
  if (pushgateway) {
    const from = [...scrapers, ...(operators.length > 0 ? [byNames(operators.map((o) => o.name))] : [])];
    out.push(policy('pushgateway', namespace, byName(pushgateway.name).podSelector, { ingress: [{ from, ports: tcp(pushgateway.ports) }], egress: [] }, 'The Pushgateway: the backup jobs push, Prometheus reads; nothing else.'));
  }
  if (grafana) {
    out.push(policy('grafana', namespace, byName(grafana.name).podSelector, { ingress: [], egress: prometheus ? [{ to: [byName(prometheus.name)], ports: tcp(prometheus.ports) }] : [] }, 'Grafana queries Prometheus only; open it with kubectl port-forward.'));
  }
  if (exporters.length > 0) {
    const ports = exporters.flatMap((e) => e.ports);
    out.push(policy('exporters', namespace, byNames(exporters.map((e) => e.name)).podSelector, {
      ingress: [{ from: scrapers, ports: tcp(ports) }],
      egress: toBrokers.length > 0 ? [{ to: toBrokers }] : [],
    }, 'The exporters read the brokers (whose policies admit monitoring on metrics and client ports) and are scraped by Prometheus.'));
  }
  if (operators.length > 0) {
    out.push(policy('backups', namespace, byNames(operators.map((o) => o.name)).podSelector, {
      egress: [...(toBrokers.length > 0 ? [{ to: toBrokers }] : []), ...(pushgateway ? [{ to: [byName(pushgateway.name)], ports: tcp(pushgateway.ports) }] : [])],
    }, 'The backup jobs read the brokers and report to the Pushgateway.'));
  }
  const kafka = brokers.find((b) => b.id === 'kafka');
  if (kafka && spec.monitoring.enabled) {
    out.push(policy(KAFKA_AGENT_EGRESS.name, namespace, { matchLabels: { ...kafka.peers, ...SERVER_COMPONENT } }, { egress: [publicEgress(KAFKA_AGENT_EGRESS)] }, KAFKA_AGENT_EGRESS.reason));
  }
  return out;
}

/** Labels as a `key: value` list for prose. */
export function labelText(labels: Labels): string {
  return Object.entries(labels).map(([k, v]) => `${k}: ${v}`).join(', ');
}

/** The Kubernetes seam: the other addons whose workloads the policies admit are passed in (K8S_ADDONS in k8s.ts). */
export function networkPolicyAddon(others: readonly K8sAddon[]): K8sAddon {
  return {
    id: 'network',
    applies: () => true,
    objects: (spec, namespace, topology) => networkPolicies(spec, namespace, others.filter((a) => a.applies(spec)).flatMap((a) => addonWorkloads(a.objects(spec, namespace, topology), a.access ?? null))),
    description: 'NetworkPolicies: default deny (ingress and egress) for the namespace, then DNS, broker peers, application clients (clientPodSelector) to the brokers, Prometheus/Alertmanager/Pushgateway/Grafana and exporters, backup jobs.',
  };
}
