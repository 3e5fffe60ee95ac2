/**
 * The TLS material of a compose prod stack, as files of the write plan, like .env: created at the
 * first run under the git-ignored secrets/tls/, then kept. Randomness (keys, serial numbers) and the
 * clock enter here, at the generator's level; the requests themselves are a plain function of the
 * spec (tls.ts). Never in the manifest: these files are added to the plan beside it, like .env.
 *
 * A run keeps every certificate that is still right (its key matches, the current CA signed it, its
 * names, principal and usage are the requested ones, and it is not in its last LEAF_RENEW_DAYS) and
 * issues the others from the existing CA: a new broker or node gets its certificates, nothing else
 * changes. `rotate: 'leaves'` re-issues every certificate from the CA; `rotate: 'ca'` starts a new CA
 * and re-issues everything. A file kept is a `seed` (never rewritten); a file re-issued over an old
 * one is a `merge` (rewritten, never a conflict); the combined PEM follows its key and certificate.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { WriteError } from '../write/errors.ts';
import type { FileMode, GeneratedFile } from './files.ts';
import type { PemPair, TlsIssuer } from './tls-issuer.ts';
import { CA_FILES, certFiles, LEAF_RENEW_DAYS, type CertRequest, type CertUsage } from './tls-model.ts';

/** none: keep what is right; leaves: re-issue every certificate from the CA; ca: a new CA and every certificate. */
export type Rotation = 'none' | 'leaves' | 'ca';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface TlsInputs {
  readonly requests: readonly CertRequest[];
  /** The CA's common name (a new CA only). */
  readonly caName: string;
  /** A project file's text, or undefined when it is not a regular file there (the plan refuses links and folders). */
  read(path: string): string | undefined;
  readonly rotate: Rotation;
  readonly now: Date;
  /** The issuer, loaded only when something is issued. */
  loadIssuer(): Promise<TlsIssuer>;
}

export interface TlsMaterial {
  readonly files: readonly GeneratedFile[];
  /** What was issued and why, for the run's output (empty when everything was kept). */
  readonly issued: readonly { readonly name: string; readonly why: string }[];
}

const EKU: Readonly<Record<CertUsage, readonly string[]>> = {
  server: ['1.3.6.1.5.5.7.3.1'],
  client: ['1.3.6.1.5.5.7.3.2'],
  both: ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'],
};

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}

/** Node's `DNS:a, IP Address:127.0.0.1` as `dns:a`, `ip:127.0.0.1`. */
function sansOf(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter(Boolean)
    .map((s) => s.replace(/^DNS:/, 'dns:').replace(/^IP Address:/, 'ip:'));
}

function requestedSans(r: CertRequest): string[] {
  return [...r.dnsNames.map((d) => `dns:${d}`), ...r.ipAddresses.map((ip) => `ip:${ip}`)];
}

function parseCert(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

function keyMatches(cert: X509Certificate, keyPem: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** Why the certificate on disk cannot stay, or undefined when it is right for `request`. */
function staleReason(request: CertRequest, certPem: string | undefined, keyPem: string | undefined, ca: X509Certificate, now: Date): string | undefined {
  if (certPem === undefined && keyPem === undefined) return 'new';
  if (certPem === undefined || keyPem === undefined) return `its ${certPem === undefined ? 'certificate' : 'key'} was missing`;
  const cert = parseCert(certPem);
  if (!cert) return 'its certificate was not a PEM certificate';
  if (!keyMatches(cert, keyPem)) return 'its key did not match its certificate';
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'the current CA did not issue it';
  if (cert.subject !== `CN=${request.commonName}`) return 'its principal changed';
  if (!sameSet(sansOf(cert), requestedSans(request))) return 'its names changed';
  if (!sameSet(cert.keyUsage ?? [], EKU[request.usage])) return 'its usage changed';
  if (cert.validToDate.getTime() - now.getTime() < LEAF_RENEW_DAYS * DAY_MS) return `it expired or expires within ${LEAF_RENEW_DAYS} days`;
  return undefined;
}

/** The CA on disk, refused with one line when only half of it is there or it is not a CA for its key. */
function existingCa(read: (path: string) => string | undefined): PemPair | undefined {
  const cert = read(CA_FILES.cert);
  const key = read(CA_FILES.key);
  if (cert === undefined && key === undefined) return undefined;
  const advice = 'restore it, or run brokerplate --rotate-ca for a new CA (every certificate is re-issued; clients must then trust the new ca.crt)';
  if (cert === undefined) throw new WriteError({ what: CA_FILES.cert, why: `is missing while ${CA_FILES.key} exists: ${advice}` });
  if (key === undefined) throw new WriteError({ what: CA_FILES.key, why: `is missing while ${CA_FILES.cert} exists: ${advice}` });
  const parsed = parseCert(cert);
  if (!parsed || !parsed.ca) throw new WriteError({ what: CA_FILES.cert, why: `is not a CA certificate in PEM: ${advice}` });
  if (!keyMatches(parsed, key)) throw new WriteError({ what: CA_FILES.key, why: `is not the private key of ${CA_FILES.cert}: ${advice}` });
  return { cert, key };
}

/** A file of the material: created as a seed; over an older file, a merge (rewritten, never a conflict). */
function materialFile(path: string, contents: string, mode: FileMode, existing: string | undefined): GeneratedFile {
  if (existing === contents) return { path, contents, kind: 'seed', mode };
  return { path, contents, kind: existing === undefined ? 'seed' : 'merge', mode };
}

/** True when any of the material is on disk (the CA or a node's certificate or key): something a rotation could replace. */
export function hasTlsMaterial(requests: readonly CertRequest[], read: (path: string) => string | undefined): boolean {
  const paths = [CA_FILES.cert, CA_FILES.key, ...requests.flatMap((r) => [certFiles(r.name).cert, certFiles(r.name).key])];
  return paths.some((path) => read(path) !== undefined);
}

export async function tlsMaterial(inputs: TlsInputs): Promise<TlsMaterial> {
  const { requests, read, rotate, now } = inputs;
  if (requests.length === 0) return { files: [], issued: [] };
  let issuer: TlsIssuer | undefined;
  const issuerOnce = async () => (issuer ??= await inputs.loadIssuer());
  const files: GeneratedFile[] = [];
  const issued: { name: string; why: string }[] = [];

  let ca = rotate === 'ca' ? undefined : existingCa(read);
  if (!ca) {
    ca = await (await issuerOnce()).createCa(inputs.caName, now);
    issued.push({ name: 'ca', why: rotate === 'ca' ? 'rotated' : 'new' });
  }
  files.push(materialFile(CA_FILES.cert, ca.cert, 0o644, read(CA_FILES.cert)), materialFile(CA_FILES.key, ca.key, 0o600, read(CA_FILES.key)));
  const caCert = new X509Certificate(ca.cert);
  const newCa = issued.length > 0;

  for (const request of requests) {
    const paths = certFiles(request.name);
    const onDisk = { cert: read(paths.cert), key: read(paths.key) };
    const why = newCa ? 'new CA' : rotate === 'leaves' ? 'rotated' : staleReason(request, onDisk.cert, onDisk.key, caCert, now);
    const pair = why === undefined ? { cert: onDisk.cert ?? '', key: onDisk.key ?? '' } : await (await issuerOnce()).issue(request, ca, now);
    if (why !== undefined) issued.push({ name: request.name, why: onDisk.cert === undefined && onDisk.key === undefined ? 'new' : why });
    files.push(materialFile(paths.cert, pair.cert, 0o644, onDisk.cert), materialFile(paths.key, pair.key, 0o600, onDisk.key));
    if (request.combinedPem) files.push(materialFile(paths.pem, `${pair.key}${pair.cert}${ca.cert}`, 0o600, read(paths.pem)));
  }
  return { files, issued };
}

/** `secrets/tls: issued ca (new), kafka-1 (new); re-issued redis-1 (its names changed)`, for the run's output. */
export function tlsNote(material: TlsMaterial, dryRun: boolean): string | undefined {
  if (material.issued.length === 0) return undefined;
  const groups = new Map<string, string[]>();
  for (const i of material.issued) groups.set(i.why, [...(groups.get(i.why) ?? []), i.name]);
  const parts = [...groups].map(([why, names]) => `${names.join(', ')} (${why})`);
  return `secrets/tls: ${dryRun ? 'would issue' : 'issued'} ${parts.join('; ')}`;
}
