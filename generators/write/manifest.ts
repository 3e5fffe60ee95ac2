/**
 * The manifest, `.brokerplate/files.json`: the hash of every managed file the last run wrote, so a
 * re-run can tell its own files (replaced, or removed once the spec stops producing them) from
 * files edited by hand (conflicts).
 *
 * The manifest is committed with the project, so it is untrusted input: a path in it decides what a
 * run deletes. Every entry must be a plain relative path inside the project (no absolute path, no
 * `..`, nothing under .git/), checked here before any plan is made; plan.ts also refuses an entry
 * reached through a symbolic link, which could point anywhere.
 */
import { createHash } from 'node:crypto';
import { jsonFile, kindOf, type GeneratedFile } from '../emit/files.ts';
import { WriteError, type Problem } from './errors.ts';

export const MANIFEST_FILE = '.brokerplate/files.json';

/** A manifest larger than this is refused rather than parsed (a real one is a few KB). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_PATH_LENGTH = 1024;
const HASH = /^sha256-[0-9a-f]{64}$/;

export function contentHash(contents: string | Uint8Array): string {
  return `sha256-${createHash('sha256').update(contents).digest('hex')}`;
}

/** Why `path` is not a plain relative path inside the project, or undefined when it is one. */
export function unsafePathReason(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (path.length > MAX_PATH_LENGTH) return `is longer than ${MAX_PATH_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'contains a control character';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'is an absolute path; only paths inside the project are allowed';
  if (path.includes('\\')) return 'contains a backslash; paths use forward slashes';
  const segments = path.split('/');
  if (segments.includes('..')) return 'climbs out with ".."; only paths inside the project are allowed';
  if (segments.some((s) => s === '' || s === '.')) return 'is not a normalised path (empty or "." segment)';
  if (segments[0] === '.git') return 'is inside .git/, which brokerplate never touches';
  return undefined;
}

export interface Manifest {
  /** Path → content hash of each managed file the previous run wrote. */
  readonly files: ReadonlyMap<string, string>;
  /**
   * Path → content hash of each seed as brokerplate would create it: a seed the spec no longer
   * produces is removed only while it still holds exactly that (the user has not made it theirs).
   */
  readonly seeds: ReadonlyMap<string, string>;
}

export const EMPTY_MANIFEST: Manifest = { files: new Map(), seeds: new Map() };

function refuse(why: string): never {
  throw new WriteError({ what: MANIFEST_FILE, why: `${why}; restore it from version control, or delete it (then every file that differs from what brokerplate generates counts as edited by hand)` });
}

/** Reads the manifest's text (undefined: there is none), refusing anything but a well-formed one. */
export function readManifest(text: string | undefined): Manifest {
  if (text === undefined) return EMPTY_MANIFEST;
  if (text.length > MAX_MANIFEST_BYTES) refuse(`is larger than ${MAX_MANIFEST_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    refuse(`is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const record = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  const files = record.files;
  if (typeof files !== 'object' || files === null || Array.isArray(files)) refuse('has no "files" object');
  // Manifests written before seeds were recorded have none: their seeds are never removed.
  const seeds = record.seeds ?? {};
  if (typeof seeds !== 'object' || seeds === null || Array.isArray(seeds)) refuse('"seeds" is not an object');
  const problems: Problem[] = [];
  const entries = (table: object): Map<string, string> => {
    const out = new Map<string, string>();
    for (const [path, hash] of Object.entries(table)) {
      const unsafe = unsafePathReason(path);
      if (unsafe) problems.push({ what: `${MANIFEST_FILE}: entry ${JSON.stringify(path)}`, why: `${unsafe}; refusing to delete anything` });
      else if (typeof hash !== 'string' || !HASH.test(hash)) problems.push({ what: `${MANIFEST_FILE}: entry ${JSON.stringify(path)}`, why: 'its hash is not "sha256-" and 64 hex digits' });
      else out.set(path, hash);
    }
    return out;
  };
  const manifest = { files: entries(files), seeds: entries(seeds) };
  if (problems.length > 0) throw new WriteError(problems);
  return manifest;
}

/**
 * The manifest for a run's files: the managed ones and the seeds, by path (secret material, a seed
 * of mode 0600, is never hashed: a hash of a key still tells something about it). It is a merge
 * file (brokerplate's own record, rewritten whenever it changes). `extra`: further records, such as
 * the project's template overrides (emit/overrides.ts), present only when there is something to record.
 */
export function manifestFile(files: readonly GeneratedFile[], extra: Readonly<Record<string, unknown>> = {}): GeneratedFile {
  const hashes = (keep: (f: GeneratedFile) => boolean) =>
    Object.fromEntries(
      files
        .filter(keep)
        .map((f) => [f.path, contentHash(f.contents)] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  const files_ = hashes((f) => kindOf(f) === 'managed');
  const seeds = hashes((f) => kindOf(f) === 'seed' && f.mode !== 0o600);
  return { ...jsonFile(MANIFEST_FILE, { generator: 'brokerplate', files: files_, seeds, ...extra }), kind: 'merge' };
}
