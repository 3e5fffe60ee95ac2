/**
 * Issues the CA and the certificates with @peculiar/x509 (X.509 built on Node's WebCrypto).
 * Imported only when a run has a certificate to issue (tls-files.ts loads it), and it loads the
 * library itself lazily: a run that keeps every certificate, `--help`, and dev stacks never pay for it.
 *
 * Keys: ECDSA P-256, written as unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`), the one form that
 * Kafka's `ssl.keystore.type=PEM` (Java 17), Erlang/OTP's ssl (RabbitMQ), OpenSSL 3 (Redis) and Node
 * all read. Signatures: ECDSA with SHA-256 (a user-supplied RSA CA signs with RSA PKCS#1 v1.5 SHA-256).
 */
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { CA_DAYS, LEAF_DAYS, type CertRequest } from './tls-model.ts';

type X509 = typeof import('@peculiar/x509');

export interface PemPair {
  /** PEM certificate. */
  readonly cert: string;
  /** PKCS#8 PEM private key. */
  readonly key: string;
}

export interface TlsIssuer {
  /** A new self-signed CA named `commonName`. */
  createCa(commonName: string, now: Date): Promise<PemPair>;
  /** A certificate for `request`, signed by `ca`. */
  issue(request: CertRequest, ca: PemPair, now: Date): Promise<PemPair>;
}

/** notBefore is backdated: a container's clock a little behind the host's must not see a certificate "not yet valid". */
const BACKDATE_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

async function library(): Promise<X509> {
  // tsyringe (used by @peculiar/x509) needs the Reflect metadata API at load time.
  await import('reflect-metadata');
  // A CommonJS package (its `main`): Node and the bundle both hand its exports over as `default` too.
  const loaded: X509 & { default?: X509 } = await import('@peculiar/x509');
  return loaded.default ?? loaded;
}

/** A positive 128-bit serial number (RFC 5280: unique per CA, at most 20 octets). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f | 0x01;
  return bytes.toString('hex');
}

function pkcs8Pem(der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

function certPem(cert: { toString(format: 'pem'): string }): string {
  return `${cert.toString('pem').trim()}\n`;
}

/** The CA's private key as a WebCrypto signing key, with the algorithm it signs with. */
async function caSigner(keyPem: string): Promise<{ key: webcrypto.CryptoKey; algorithm: typeof ECDSA_SHA256 | typeof RSA_SHA256 }> {
  const key = createPrivateKey(keyPem);
  const der = key.export({ type: 'pkcs8', format: 'der' });
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return { key: await webcrypto.subtle.importKey('pkcs8', der, EC_P256, false, ['sign']), algorithm: ECDSA_SHA256 };
  }
  if (key.asymmetricKeyType === 'rsa') {
    return { key: await webcrypto.subtle.importKey('pkcs8', der, RSA_SHA256, false, ['sign']), algorithm: RSA_SHA256 };
  }
  throw new Error(`the CA key is ${key.asymmetricKeyType ?? 'of an unknown type'}${key.asymmetricKeyDetails?.namedCurve ? ` (${key.asymmetricKeyDetails.namedCurve})` : ''}; brokerplate signs with ECDSA P-256 or RSA`);
}

function newKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
}

async function exportKey(keys: webcrypto.CryptoKeyPair): Promise<string> {
  return pkcs8Pem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
}

function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + days * DAY_MS) };
}

export async function x509Issuer(): Promise<TlsIssuer> {
  const x509 = await library();
  const usages = { server: [x509.ExtendedKeyUsage.serverAuth], client: [x509.ExtendedKeyUsage.clientAuth], both: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth] };
  return {
    async createCa(commonName, now) {
      const keys = await newKeys();
      const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: serial(),
        name: [{ CN: [commonName] }],
        ...validity(now, CA_DAYS),
        signingAlgorithm: ECDSA_SHA256,
        keys,
        extensions: [
          // pathLength 0: it signs leaves only.
          new x509.BasicConstraintsExtension(true, 0, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ],
      });
      return { cert: certPem(cert), key: await exportKey(keys) };
    },
    async issue(request, ca, now) {
      const caCert = new x509.X509Certificate(ca.cert);
      // The CA's own subject key identifier when it has one (a CA the user brought may compute it otherwise): chains are built by matching the two.
      const authorityKeyId = async (c: InstanceType<X509['X509Certificate']>) => {
        const ski = c.getExtension(x509.SubjectKeyIdentifierExtension);
        return ski ? new x509.AuthorityKeyIdentifierExtension(ski.keyId) : x509.AuthorityKeyIdentifierExtension.create(c.publicKey);
      };
      const signer = await caSigner(ca.key);
      const keys = await newKeys();
      const names = [...request.dnsNames.map((value) => ({ type: 'dns' as const, value })), ...request.ipAddresses.map((value) => ({ type: 'ip' as const, value }))];
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: [{ CN: [request.commonName] }],
        issuer: caCert.subjectName,
        ...validity(now, LEAF_DAYS),
        signingAlgorithm: signer.algorithm,
        publicKey: keys.publicKey,
        signingKey: signer.key,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension(usages[request.usage], false),
          // Hostname verification reads the SANs only; a certificate without one would be refused anyway.
          new x509.SubjectAlternativeNameExtension(names, false),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
          await authorityKeyId(caCert),
        ],
      });
      return { cert: certPem(cert), key: await exportKey(keys) };
    },
  };
}
