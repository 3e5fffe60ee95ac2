/**
 * The TLS area: what certificates a stack needs, from each broker's `tls` part (one list of
 * requests, named per target), and where each target gets them:
 * - compose (prod): requests for the generator, which issues them into the git-ignored secrets/tls/
 *   (tls-files.ts, like .env: the only place randomness enters);
 * - Kubernetes (prod): cert-manager objects as an addon of the Pulumi program (a self-signed
 *   bootstrap Issuer → the stack's CA Certificate → a CA Issuer → one Certificate per StatefulSet);
 * - the README section: what is where, rotation, and that dev stays plaintext on loopback.
 * Wiring the material into a broker's configs and clients is that broker's part.
 */
import { pluginsOf } from '../brokers/index.ts';
import type { StackSpec } from '../stack/index.ts';
import type { Area, AreaOutput } from './area.ts';
import type { K8sAddon, K8sObject } from './k8s-model.ts';
import { render } from './render.ts';
import { CA_DAYS, CA_FILES, certFiles, LEAF_DAYS, LEAF_RENEW_DAYS, TLS_DIR, tlsSecretName, type CertRequest, type TlsSite } from './tls-model.ts';

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The stack's certificate requests on `site`, checked: DNS-1123 names, each once. Empty for dev. */
export function certificateRequests(spec: StackSpec, site: TlsSite): CertRequest[] {
  if (spec.profile !== 'prod') return [];
  const requests = pluginsOf(spec).flatMap((p) => p.tls.certificates(spec, site));
  requests.forEach((r, i) => {
    if (!LABEL.test(r.name)) throw new Error(`tls: certificate name ${JSON.stringify(r.name)} is not a DNS-1123 label`);
    if (requests.findIndex((o) => o.name === r.name) !== i) throw new Error(`tls: two brokers request the certificate ${r.name}`);
    if (r.dnsNames.length + r.ipAddresses.length === 0) throw new Error(`tls: certificate ${r.name} has no name to verify`);
  });
  return requests;
}

/** What the generator issues into secrets/tls/: the compose prod stack's certificates (none otherwise). */
export function composeCertificates(spec: StackSpec): CertRequest[] {
  return spec.targets.includes('compose') ? certificateRequests(spec, { target: 'compose' }) : [];
}

/** The CA's common name (the generated one, and cert-manager's). */
export function caName(spec: StackSpec): string {
  return `${spec.name} brokerplate CA`;
}

// ---------------------------------------------------------------- Kubernetes: cert-manager

const CERT_MANAGER = 'cert-manager.io/v1';
const PRIVATE_KEY = { algorithm: 'ECDSA', size: 256, encoding: 'PKCS8', rotationPolicy: 'Always' } as const;
const USAGES = { server: ['server auth'], client: ['client auth'], both: ['server auth', 'client auth'] } as const;

const hours = (days: number) => `${days * 24}h`;

export function certManagerNames(spec: StackSpec): { selfSigned: string; caCertificate: string; caSecret: string; caIssuer: string } {
  return { selfSigned: `${spec.name}-selfsigned`, caCertificate: `${spec.name}-ca`, caSecret: `${spec.name}-ca`, caIssuer: `${spec.name}-ca-issuer` };
}

function issuerRef(name: string): object {
  return { name, kind: 'Issuer', group: 'cert-manager.io' };
}

/** The cert-manager objects of a prod stack: the CA chain, then one Certificate per request. */
export function certManagerObjects(spec: StackSpec, namespace: string): K8sObject[] {
  const n = certManagerNames(spec);
  const meta = (name: string) => ({ name, namespace });
  const leaves = certificateRequests(spec, { target: 'k8s', namespace }).map((r): K8sObject => ({
    apiVersion: CERT_MANAGER,
    kind: 'Certificate',
    metadata: meta(tlsSecretName(r.name)),
    spec: {
      secretName: tlsSecretName(r.name),
      commonName: r.commonName,
      dnsNames: [...r.dnsNames],
      ...(r.ipAddresses.length > 0 && { ipAddresses: [...r.ipAddresses] }),
      usages: ['digital signature', ...USAGES[r.usage]],
      duration: hours(LEAF_DAYS),
      renewBefore: hours(LEAF_RENEW_DAYS),
      privateKey: { ...PRIVATE_KEY },
      ...(r.combinedPem && { additionalOutputFormats: [{ type: 'CombinedPEM' }] }),
      issuerRef: issuerRef(n.caIssuer),
    },
  }));
  if (leaves.length === 0) return [];
  return [
    { apiVersion: CERT_MANAGER, kind: 'Issuer', metadata: meta(n.selfSigned), spec: { selfSigned: {} } },
    {
      apiVersion: CERT_MANAGER,
      kind: 'Certificate',
      metadata: meta(n.caCertificate),
      spec: { isCA: true, commonName: caName(spec), secretName: n.caSecret, duration: hours(CA_DAYS), privateKey: { ...PRIVATE_KEY }, issuerRef: issuerRef(n.selfSigned) },
    },
    { apiVersion: CERT_MANAGER, kind: 'Issuer', metadata: meta(n.caIssuer), spec: { ca: { secretName: n.caSecret } } },
    ...leaves,
  ];
}

export const tlsK8sAddon: K8sAddon = {
  id: 'tls',
  applies: (spec) => spec.profile === 'prod',
  objects: (spec, namespace) => certManagerObjects(spec, namespace),
  description: 'cert-manager Issuers and Certificates: the stack\'s CA and one certificate (Secret `<statefulset>-tls`) per broker StatefulSet; needs cert-manager in the cluster.',
};

// ---------------------------------------------------------------- README

function usageText(r: CertRequest): string {
  return { server: 'server', client: 'client', both: 'server and client (mutual TLS)' }[r.usage];
}

export const tlsArea: Area = {
  id: 'tls',
  applies: () => true,
  emit(spec): AreaOutput {
    const compose = composeCertificates(spec).map((r) => ({
      name: r.name,
      files: [certFiles(r.name).cert, certFiles(r.name).key, ...(r.combinedPem ? [certFiles(r.name).pem] : [])],
      names: [...r.dnsNames, ...r.ipAddresses],
      usage: usageText(r),
    }));
    const k8s = spec.targets.includes('k8s')
      ? certificateRequests(spec, { target: 'k8s', namespace: '<namespace>' }).map((r) => ({ secret: tlsSecretName(r.name), first: r.dnsNames[0] ?? '', count: r.dnsNames.length - 1, usage: usageText(r) }))
      : [];
    const body = render('tls/README.md', {
      prod: spec.profile === 'prod',
      compose,
      k8s,
      dir: TLS_DIR,
      ca: CA_FILES,
      caSecret: certManagerNames(spec).caSecret,
      leafDays: LEAF_DAYS,
      caYears: Math.round(CA_DAYS / 365),
      renewDays: LEAF_RENEW_DAYS,
    });
    return {
      files: [],
      readme: [{ title: 'TLS certificates', body: body.trimEnd() }],
      ...(compose.length > 0 && { layout: [{ path: `${TLS_DIR}/`, purpose: 'The stack\'s CA and one certificate per broker node (PEM; keys PKCS#8, mode 0600), created at the first run, git-ignored. Never commit them.' }] }),
    };
  },
};
