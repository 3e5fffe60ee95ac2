/**
 * The few DER structures an X.509 v3 certificate needs (RFC 5280), written and read here so that
 * node:crypto alone does every cryptographic step (keys, hashes, signatures). Only what tls-issuer.ts
 * uses: definite lengths, low tag numbers, and a reader for the TLVs of a certificate.
 */

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A TLV: `tag` and the concatenated `parts` as its contents. */
export function tlv(tag: number, ...parts: readonly Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

export const seq = (...parts: readonly Buffer[]) => tlv(0x30, ...parts);
export const set = (...parts: readonly Buffer[]) => tlv(0x31, ...parts);
export const octets = (b: Buffer) => tlv(0x04, b);
export const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
export const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
/** Context-specific, constructed (EXPLICIT tagging, or an IMPLICIT SEQUENCE). */
export const explicit = (n: number, ...parts: readonly Buffer[]) => tlv(0xa0 | n, ...parts);
/** Context-specific, primitive (IMPLICIT tagging of a primitive type). */
export const implicit = (n: number, b: Buffer) => tlv(0x80 | n, b);

/** A non-negative INTEGER from big-endian bytes (a leading zero keeps it positive). */
export function uint(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && ((b[1] ?? 0) & 0x80) === 0) b = b.subarray(1);
  return tlv(0x02, (b[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

export const smallInt = (n: number) => uint(Buffer.from([n]));

/** A BIT STRING of whole bytes (no unused bits), or of named bits (`unused` trailing bits of the last byte). */
export function bits(bytes: Buffer, unused = 0): Buffer {
  return tlv(0x03, Buffer.from([unused]), bytes);
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [40 * (arcs[0] ?? 0) + (arcs[1] ?? 0)];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** RFC 5280 Time: UTCTime through 2049, GeneralizedTime from 2050, to the second, in UTC. */
export function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'));
}

// ---------------------------------------------------------------- reading

export interface Tlv {
  readonly tag: number;
  /** The whole TLV (header and contents). */
  readonly raw: Buffer;
  readonly contents: Buffer;
}

/** The TLV at the start of `buf`. */
export function readTlv(buf: Buffer): Tlv {
  const tag = buf[0];
  const first = buf[1];
  if (tag === undefined || first === undefined) throw new Error('DER: truncated');
  let len = first;
  let header = 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new Error('DER: unsupported length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[2 + i] ?? 0);
    header += n;
  }
  if (header + len > buf.length) throw new Error('DER: truncated');
  return { tag, raw: buf.subarray(0, header + len), contents: buf.subarray(header, header + len) };
}

/** The TLVs inside a constructed TLV's contents. */
export function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let rest = t.contents; rest.length > 0; ) {
    const child = readTlv(rest);
    out.push(child);
    rest = rest.subarray(child.raw.length);
  }
  return out;
}
