/**
 * A model of Kubernetes NetworkPolicy semantics (networking.k8s.io/v1), not a CNI: who may open a
 * connection to whom, given the policies. A pod is isolated for a direction when a policy of its
 * namespace selects it with that policy type; then only the union of those policies' rules
 * allows traffic. A connection needs the source's egress and the destination's ingress.
 * Peers: podSelector (same namespace), namespaceSelector (+ podSelector), ipBlock (cidr minus
 * except). Ports: number or the destination's named container port, protocol (default TCP),
 * endPort. An absent or empty `from`/`to`/`ports` matches everything.
 */
export type Labels = Record<string, string>;
export interface Selector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface Port {
  port?: number | string;
  endPort?: number;
  protocol?: string;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: Port[];
}
export interface Policy {
  metadata: { name: string; namespace: string };
  spec: { podSelector: Selector; policyTypes?: string[]; ingress?: Rule[]; egress?: Rule[] };
}
export interface ContainerPort {
  name?: string;
  port: number;
  protocol: string;
}
/** A pod (namespace, labels, ports) or an address outside any pod (namespace undefined). */
export interface Endpoint {
  id: string;
  ip: string;
  namespace?: string;
  labels?: Labels;
  ports: ContainerPort[];
}

export function selects(selector: Selector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const ok = e.operator === 'In' ? has && (e.values ?? []).includes(value ?? '') : e.operator === 'NotIn' ? !has || !(e.values ?? []).includes(value ?? '') : e.operator === 'Exists' ? has : !has;
    if (!ok) return false;
  }
  return true;
}

function ipNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipNumber(base) / size) * size;
  const n = ipNumber(ip);
  return n >= start && n < start + size;
}

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint, namespaceLabels: (ns: string) => Labels): boolean {
  if (peer.ipBlock) return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
  if (other.namespace === undefined) return false;
  if (peer.namespaceSelector) {
    if (!selects(peer.namespaceSelector, namespaceLabels(other.namespace))) return false;
  } else if (other.namespace !== policyNamespace) {
    return false;
  }
  return peer.podSelector ? selects(peer.podSelector, other.labels ?? {}) : true;
}

function portMatches(ports: Port[] | undefined, dst: Endpoint, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') return dst.ports.some((c) => c.name === p.port && c.port === port && c.protocol === protocol);
    return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
  });
}

function direction(policies: readonly Policy[], pod: Endpoint, type: 'Ingress' | 'Egress'): Policy[] {
  if (pod.namespace === undefined) return [];
  return policies.filter((p) => p.metadata.namespace === pod.namespace && selects(p.spec.podSelector, pod.labels ?? {}) && (p.spec.policyTypes ?? ['Ingress']).includes(type));
}

/** Whether `src` may open `protocol`/`port` to `dst` under `policies`. */
export function allowed(policies: readonly Policy[], src: Endpoint, dst: Endpoint, port: number, protocol: string, namespaceLabels: (ns: string) => Labels): boolean {
  const egress = direction(policies, src, 'Egress');
  const out = egress.length === 0 || egress.some((p) => (p.spec.egress ?? []).some((r) => (!r.to || r.to.length === 0 || r.to.some((peer) => peerMatches(peer, p.metadata.namespace, dst, namespaceLabels))) && portMatches(r.ports, dst, port, protocol)));
  if (!out) return false;
  const ingress = direction(policies, dst, 'Ingress');
  return ingress.length === 0 || ingress.some((p) => (p.spec.ingress ?? []).some((r) => (!r.from || r.from.length === 0 || r.from.some((peer) => peerMatches(peer, p.metadata.namespace, src, namespaceLabels))) && portMatches(r.ports, dst, port, protocol)));
}
