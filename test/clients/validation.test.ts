/**
 * The generated validation's own date-time check (one pass instead of ajv-formats' split and two
 * regular expressions, for speed) must decide exactly as ajv-formats' "full" date-time format:
 * compared on edge cases and on thousands of mutations of valid timestamps. No broker needed.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateProject, specFor } from './support.ts';

type Check = (text: string) => boolean;

let isDateTime: Check;
let reference: Check;
let createEnvelope: (channel: string, payload: unknown) => unknown;
let newId: () => string;
let ContractError: new (...args: never[]) => Error;

beforeAll(async () => {
  const root = await generateProject('validation', specFor('event-streaming', { brokers: ['kafka'] }));
  const messaging = pathToFileURL(join(root, 'src', 'messaging')).href;
  ({ isDateTime } = (await import(`${messaging}/validation.ts`)) as { isDateTime: Check });
  ({ createEnvelope, newId } = (await import(`${messaging}/envelope.ts`)) as { createEnvelope: typeof createEnvelope; newId: typeof newId });
  ({ ContractError } = (await import(`${messaging}/validation.ts`)) as { ContractError: typeof ContractError });
  const formats = createRequire(join(root, 'package.json'))('ajv-formats/dist/formats') as { fullFormats: { 'date-time': { validate: Check } } };
  reference = formats.fullFormats['date-time'].validate;
});

const EDGES = [
  '2024-01-01T00:00:00.000Z',
  '2024-01-01T00:00:00Z',
  '2024-01-01t00:00:00z',
  '2024-01-01 00:00:00Z',
  '2024-01-01\t00:00:00Z',
  '2024-01-01\u00a000:00:00Z',
  '2024-01-01T00:00:00',
  '2024-01-01T00:00:00.Z',
  '2024-01-01T00:00:00.123456789+01:00',
  '2024-01-01T00:00:00+0100',
  '2024-01-01T00:00:00+01',
  '2024-01-01T00:00:00+01:',
  '2024-01-01T00:00:00+1:00',
  '2024-01-01T00:00:00+24:00',
  '2024-01-01T00:00:00+23:60',
  '2024-01-01T00:00:00-23:59',
  '2024-02-29T12:00:00Z',
  '2023-02-29T12:00:00Z',
  '1900-02-29T12:00:00Z',
  '2000-02-29T12:00:00Z',
  '2024-04-31T00:00:00Z',
  '2024-13-01T00:00:00Z',
  '2024-00-10T00:00:00Z',
  '2024-01-00T00:00:00Z',
  '2024-12-31T23:59:60Z',
  '2024-12-31T23:59:60.5Z',
  '2024-12-31T22:59:60-01:00',
  '2024-12-31T23:59:61Z',
  '2024-12-31T12:59:60Z',
  '2024-12-31T24:00:00Z',
  '2024-12-31T23:60:00Z',
  '2024-1-01T00:00:00Z',
  '2024-01-01T0:00:00Z',
  '2024-01-01TT00:00:00Z',
  '2024-01-01T00:00:00ZZ',
  '２０２４-01-01T00:00:00Z',
  '2024-01-01T00:00:00.000Z ',
  ' 2024-01-01T00:00:00.000Z',
  '',
  'not a date',
];

/** A deterministic PRNG (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = '0123456789-:.+TtZz \u00a0x';

function mutations(count: number): string[] {
  const next = random(7);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const bases = EDGES.filter((e) => e.length > 10);
  return Array.from({ length: count }, () => {
    let text = pick(bases);
    for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) {
      const at = Math.floor(next() * (text.length + 1));
      const op = next();
      if (op < 0.4) text = `${text.slice(0, at)}${pick([...ALPHABET])}${text.slice(at + 1)}`;
      else if (op < 0.7) text = `${text.slice(0, at)}${pick([...ALPHABET])}${text.slice(at)}`;
      else text = `${text.slice(0, at)}${text.slice(at + 1)}`;
    }
    return text;
  });
}

describe('generated date-time validation', () => {
  it('decides every edge case as ajv-formats (full mode) does', () => {
    const disagreements = EDGES.filter((e) => isDateTime(e) !== reference(e));
    expect(disagreements).toEqual([]);
    // The cases mean something: both kinds of answer are covered.
    expect(EDGES.filter((e) => reference(e)).length).toBeGreaterThan(8);
    expect(EDGES.filter((e) => !reference(e)).length).toBeGreaterThan(8);
  });

  it('decides 20,000 random mutations of timestamps as ajv-formats does', () => {
    const cases = mutations(20_000);
    const disagreements = cases.filter((c) => isDateTime(c) !== reference(c));
    expect(disagreements.slice(0, 10)).toEqual([]);
    expect(cases.filter((c) => reference(c)).length).toBeGreaterThan(200); // valid ones too, not only garbage
  });

  it('is what the compiled contract uses: an impossible date is refused on publish', () => {
    const valid = { userId: 'u1', event: 'page_view', page: '/', timestamp: '2024-02-29T10:00:00.000Z' };
    expect(() => createEnvelope('clickstream', valid)).not.toThrow();
    expect(() => createEnvelope('clickstream', { ...valid, timestamp: '2023-02-29T10:00:00.000Z' })).toThrow(ContractError);
  });
});

describe('generated envelope ids', () => {
  it('are RFC 4122 version 4 UUIDs, all different, with random bits spread evenly', () => {
    const ids = Array.from({ length: 200_000 }, () => newId());
    for (const id of ids.slice(0, 5_000)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Each hex digit of the random part (all but the version and variant digits) appears about 1/16 of the time.
    const counts = new Map<string, number>();
    for (const id of ids) {
      const hex = id.replaceAll('-', '');
      for (const c of hex.slice(0, 12) + hex.slice(13, 16) + hex.slice(17)) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const expected = (ids.length * 30) / 16;
    for (const c of '0123456789abcdef') expect(Math.abs((counts.get(c) ?? 0) - expected) / expected).toBeLessThan(0.02);
    // An envelope without an explicit id gets one of these.
    expect((createEnvelope('clickstream', { userId: 'u1', event: 'page_view', page: '/', timestamp: '2024-02-29T10:00:00.000Z' }) as { id: string }).id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
