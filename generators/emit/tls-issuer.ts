/**
 * Issues the CA and the certificates: node:crypto makes the keys and the signatures, tls-der.ts
 * writes the X.509 v3 structures around them (RFC 5280). No X.509 library: the maintained ones
 * (@peculiar/x509 on WebCrypto, measured) cost ~330 ms per prod generation in module loading and
 * ASN.1 work, which the bin's 0.5 s generation budget cannot carry; this costs a few milliseconds.
 * OpenSSL 3, Java 17 (Kafka's PEM loader), Erlang/OTP 27 and Node read the result (test/tls,
 * test/consumers/tls.test.ts). Loaded only when something is issued (tls-files.ts).
 *
 * Keys: ECDSA P-256, written as unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`), the one form that
 * Kafka's `ssl.keystore.type=PEM` (Java 17), Erlang/OTP's ssl (RabbitMQ), OpenSSL 3 (Redis) and Node
 * all read. Signatures: ECDSA with SHA-256 (a CA the user brought with an RSA key signs with RSA
 * PKCS#1 v1.5 and SHA-256).
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { bits, bool, children, explicit, implicit, octets, oid, readTlv, seq, set, smallInt, time, tlv, uint, utf8 } from './tls-der.ts';
import { CA_DAYS, LEAF_DAYS, type CertRequest, type CertUsage } from './tls-model.ts';

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

const OID = {
  commonName: '2.5.4.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  subjectKeyId: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyId: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const EKU: Readonly<Record<CertUsage, readonly string[]>> = { server: [OID.serverAuth], client: [OID.clientAuth], both: [OID.serverAuth, OID.clientAuth] };

/** KeyUsage bits (RFC 5280 4.2.1.3) as a DER BIT STRING: digitalSignature is bit 0, keyCertSign 5, cRLSign 6. */
const KEY_USAGE = { leaf: bits(Buffer.from([0x80]), 7), ca: bits(Buffer.from([0x06]), 1) } as const;

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

function name(commonName: string): Buffer {
  return seq(set(seq(oid(OID.commonName), utf8(commonName))));
}

/** A positive 128-bit serial number (RFC 5280: unique per CA, at most 20 octets). */
function serial(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return uint(bytes);
}

/** RFC 5280's key identifier, method 1: SHA-1 of the subjectPublicKey bits. */
function keyId(spki: Buffer): Buffer {
  const key = children(readTlv(spki))[1];
  if (!key || key.tag !== 0x03) throw new Error('not a SubjectPublicKeyInfo');
  return createHash('sha1').update(key.contents.subarray(1)).digest();
}

function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

function newKey(): { privateKey: KeyObject; spki: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, spki: publicKey.export({ type: 'spki', format: 'der' }) };
}

/** How a CA key signs: the AlgorithmIdentifier and the signature. */
function signer(key: KeyObject): { algorithm: Buffer; sign(tbs: Buffer): Buffer } {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return { algorithm: seq(oid(OID.ecdsaWithSha256)), sign: (tbs) => sign('sha256', tbs, { key, dsaEncoding: 'der' }) };
  }
  if (key.asymmetricKeyType === 'rsa') return { algorithm: seq(oid(OID.sha256WithRsa), tlv(0x05)), sign: (tbs) => sign('sha256', tbs, key) };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  throw new Error(`the CA key is ${key.asymmetricKeyType ?? 'of an unknown type'}${curve ? ` (${curve})` : ''}; brokerplate signs with ECDSA P-256 or RSA`);
}

interface Signed {
  readonly issuer: Buffer;
  readonly subject: Buffer;
  readonly spki: Buffer;
  readonly days: number;
  readonly now: Date;
  readonly extensions: readonly Buffer[];
  readonly key: KeyObject;
}

function certificate(c: Signed): string {
  const s = signer(c.key);
  const validity = seq(time(new Date(c.now.getTime() - BACKDATE_MS)), time(new Date(c.now.getTime() + c.days * DAY_MS)));
  const tbs = seq(explicit(0, smallInt(2)), serial(), s.algorithm, c.issuer, validity, c.subject, c.spki, explicit(3, seq(...c.extensions)));
  return pem('CERTIFICATE', seq(tbs, s.algorithm, bits(s.sign(tbs))));
}

/** The CA certificate's subject (the leaves' issuer, byte for byte) and key identifier. */
function caIdentity(caPem: string): { subject: Buffer; keyId: Buffer } {
  const der = new X509Certificate(caPem).raw;
  const tbs = children(readTlv(der))[0];
  const [version, , , , , subject, spki, ...rest] = tbs ? children(tbs) : [];
  if (version?.tag !== 0xa0 || !subject || !spki) throw new Error('the CA certificate is not X.509 v3');
  // Its own subjectKeyIdentifier when it has one (a CA the user brought may compute it otherwise): chains are built by matching the two.
  const exts = rest.find((t) => t.tag === 0xa3);
  const ski = exts && children(children(exts)[0] ?? exts).map(children).find((e) => e[0]?.raw.equals(oid(OID.subjectKeyId)));
  const value = ski?.at(-1);
  return { subject: subject.raw, keyId: value ? readTlv(value.contents).contents : keyId(spki.raw) };
}

export async function x509Issuer(): Promise<TlsIssuer> {
  return {
    async createCa(commonName, now) {
      const { privateKey, spki } = newKey();
      const subject = name(commonName);
      const cert = certificate({
        issuer: subject,
        subject,
        spki,
        days: CA_DAYS,
        now,
        key: privateKey,
        extensions: [
          // pathLen 0: it signs leaves only.
          extension(OID.basicConstraints, true, seq(bool(true), smallInt(0))),
          extension(OID.keyUsage, true, KEY_USAGE.ca),
          extension(OID.subjectKeyId, false, octets(keyId(spki))),
        ],
      });
      return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    },
    async issue(request, ca, now) {
      const issuer = caIdentity(ca.cert);
      const { privateKey, spki } = newKey();
      const sans = [
        ...request.dnsNames.map((d) => implicit(2, Buffer.from(d, 'ascii'))),
        ...request.ipAddresses.map((ip) => {
          if (!isIPv4(ip)) throw new Error(`tls: ${request.name}: ${ip} is not an IPv4 address`);
          return implicit(7, Buffer.from(ip.split('.').map(Number)));
        }),
      ];
      const cert = certificate({
        issuer: issuer.subject,
        subject: name(request.commonName),
        spki,
        days: LEAF_DAYS,
        now,
        key: createPrivateKey(ca.key),
        extensions: [
          // cA FALSE is the default, which DER leaves out.
          extension(OID.basicConstraints, true, seq()),
          extension(OID.keyUsage, true, KEY_USAGE.leaf),
          extension(OID.extKeyUsage, false, seq(...EKU[request.usage].map(oid))),
          // Hostname verification reads the SANs only.
          extension(OID.subjectAltName, false, seq(...sans)),
          extension(OID.subjectKeyId, false, octets(keyId(spki))),
          extension(OID.authorityKeyId, false, seq(implicit(0, issuer.keyId))),
        ],
      });
      return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    },
  };
}
