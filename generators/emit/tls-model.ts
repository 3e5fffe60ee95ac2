/**
 * What the TLS area shares with the broker modules (generators/brokers/<b>/tls.ts): a certificate
 * as a request (its name, SANs, usage and principal), where the material lives, and how a group of
 * nodes is named on each target. One list of requests per broker feeds both targets:
 * - compose (prod): the generator issues each request from a project CA into the git-ignored
 *   `secrets/tls/` at the first run, like `.env` (generators/emit/tls-files.ts);
 * - Kubernetes (prod): the same requests become cert-manager `Certificate`s (generators/emit/tls.ts).
 * dev has no TLS material: it stays plaintext on loopback.
 */
import type { NodeGroup } from '../brokers/topology.ts';
import { composeTopology } from '../brokers/topology.ts';
import type { StackSpec } from '../stack/index.ts';
import { headlessServiceName, podName } from './k8s-model.ts';

/** What the certificate is presented for: extended key usage serverAuth, clientAuth, or both. */
export type CertUsage = 'server' | 'client' | 'both';

export interface CertRequest {
  /**
   * Unique in the stack, a DNS-1123 label: compose writes `secrets/tls/<name>.crt|.key`; Kubernetes
   * names the `Certificate` and its Secret `<name>-tls`.
   */
  readonly name: string;
  /** The subject's CN: the principal where a broker maps identities from certificates (Kafka's `User:CN=kafka-1`). */
  readonly commonName: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly usage: CertUsage;
  /**
   * Also provide key + certificate in one PEM file: what Kafka's `ssl.keystore.type=PEM` reads from
   * one `ssl.keystore.location`. compose: `secrets/tls/<name>.pem` (0600); Kubernetes: cert-manager's
   * CombinedPEM output, key `tls-combined.pem` of the Secret.
   */
  readonly combinedPem?: boolean;
}

/** Where the certificates are used: compose (names are service names) or Kubernetes (pod and Service DNS names in `namespace`). */
export type TlsSite = { readonly target: 'compose' } | { readonly target: 'k8s'; readonly namespace: string };

/** A broker's certificates: generators/brokers/<broker>/tls.ts. */
export interface TlsPart {
  /** The certificates the broker's nodes (and its own mutual-TLS clients) need in the prod profile, as `site` names them. */
  certificates(spec: StackSpec, site: TlsSite): readonly CertRequest[];
}

// ---------------------------------------------------------------- where a node finds its material

/** Where every node finds its material, compose and Kubernetes alike: ca.crt, tls.crt, tls.key (and tls.pem). */
export const TLS_MOUNT = '/etc/brokerplate/tls';
export const TLS_FILES = {
  ca: `${TLS_MOUNT}/ca.crt`,
  cert: `${TLS_MOUNT}/tls.crt`,
  key: `${TLS_MOUNT}/tls.key`,
  /** Key, certificate and CA in one PEM file (Kafka's `ssl.keystore.type=PEM`). */
  pem: `${TLS_MOUNT}/tls.pem`,
} as const;

// ---------------------------------------------------------------- where the material lives (compose)

/** The git-ignored folder of the generated CA and certificates (compose, prod). */
export const TLS_DIR = 'secrets/tls';

/** The CA every certificate is issued from; clients and brokers trust `cert`. */
export const CA_FILES = { cert: `${TLS_DIR}/ca.crt`, key: `${TLS_DIR}/ca.key` } as const;

/** The files of a request: PEM certificate, PKCS#8 PEM key (0600), and the combined PEM when asked for. */
export function certFiles(name: string): { readonly cert: string; readonly key: string; readonly pem: string } {
  return { cert: `${TLS_DIR}/${name}.crt`, key: `${TLS_DIR}/${name}.key`, pem: `${TLS_DIR}/${name}.pem` };
}

/** Kubernetes: the Secret cert-manager keeps a request's key and certificate in (`tls.crt`, `tls.key`, `ca.crt`). */
export function tlsSecretName(name: string): string {
  return `${name}-tls`;
}

/**
 * How long what is issued stays valid (compose and cert-manager alike); any run (compose) or
 * cert-manager renews a certificate in its last LEAF_RENEW_DAYS.
 */
export const CA_DAYS = 3650;
export const LEAF_DAYS = 365;
export const LEAF_RENEW_DAYS = 30;

// ---------------------------------------------------------------- a group of nodes

/** Kubernetes' default cluster domain; names without it resolve too (the pod's DNS search path). */
const CLUSTER_DOMAIN = 'cluster.local';

/** What a broker says about one of its node groups; nodeCertificates() names them for a site. */
export interface NodeGroupCerts {
  readonly group: NodeGroup;
  readonly nodes: number;
  readonly usage: CertUsage;
  /** compose publishes the group's ports on the host's 127.0.0.1: host clients connect to 127.0.0.1 or localhost. */
  readonly publishedOnHost: boolean;
  /** Kubernetes Services in front of the group besides its headless one (clients reach any pod through them). */
  readonly services: readonly string[];
  readonly combinedPem?: boolean;
}

/** `svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`: every way a client in the cluster may name a Service. */
function serviceNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.${CLUSTER_DOMAIN}`];
}

/**
 * compose: one certificate per node, named and CN'd after its service (`kafka-1`), with `localhost`
 * and `127.0.0.1` where the port is published on the host.
 * Kubernetes: one certificate per StatefulSet (its pods share one template, so one Secret), with
 * every pod's names (`kafka-0.kafka-headless`, as the broker configs name peers, and its `.<ns>.svc`
 * forms) and those of the group's Services.
 */
export function nodeCertificates(g: NodeGroupCerts, site: TlsSite): CertRequest[] {
  const extra = g.combinedPem ? { combinedPem: true } : {};
  if (site.target === 'compose') {
    const topology = composeTopology({ [g.group]: g.nodes });
    return Array.from({ length: g.nodes }, (_, i) => {
      const host = topology.host(g.group, i);
      return {
        name: host,
        commonName: host,
        dnsNames: g.publishedOnHost ? [host, 'localhost'] : [host],
        ipAddresses: g.publishedOnHost ? ['127.0.0.1'] : [],
        usage: g.usage,
        ...extra,
      };
    });
  }
  const ns = site.namespace;
  const headless = headlessServiceName(g.group);
  const pods = Array.from({ length: g.nodes }, (_, i) => `${podName(g.group, i)}.${headless}`);
  const dnsNames = [
    ...pods.flatMap((p) => [p, `${p}.${ns}.svc`, `${p}.${ns}.svc.${CLUSTER_DOMAIN}`]),
    ...g.services.flatMap((s) => serviceNames(s, ns)),
  ];
  return [{ name: g.group, commonName: g.group, dnsNames, ipAddresses: [], usage: g.usage, ...extra }];
}
