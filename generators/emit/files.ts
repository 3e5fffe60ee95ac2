/** What every emitter returns: files as data, written (or listed) by the generator's write plan. */
import { stringify } from 'yaml';

/**
 * How a run treats a file that already exists (see generators/write/plan.ts):
 * - `managed` (the default): brokerplate's own. Rewritten on every run and hashed into the manifest,
 *   so a hand edit is a conflict and a file the spec no longer produces is removed.
 * - `seed`: written only when missing, then the user's: never overwritten, never removed, not in the
 *   manifest (e.g. Pulumi.<stack>.yaml, where `pulumi config set --secret` stores encrypted values;
 *   generated secret material such as private keys is a seed with mode 0600).
 * - `merge`: its producer already folded in what is on disk (.env keeps the user's values, the spec
 *   keeps the user's text): rewritten whenever it differs, never a conflict, never removed, not in
 *   the manifest. The manifest itself is one too.
 */
export type FileKind = 'managed' | 'seed' | 'merge';

/** Permission bits a generated file is given (and kept at). Without one, a new file gets the umask's default and an existing one keeps its mode. */
export type FileMode = 0o600 | 0o644 | 0o755;

export interface GeneratedFile {
  /** Path relative to the generated project's root, with forward slashes. */
  readonly path: string;
  readonly contents: string;
  /** Absent means `managed`. */
  readonly kind?: FileKind;
  readonly mode?: FileMode;
}

export function kindOf(f: GeneratedFile): FileKind {
  return f.kind ?? 'managed';
}

export function seedFile(f: GeneratedFile): GeneratedFile {
  return { ...f, kind: 'seed' };
}

export function file(path: string, contents: string): GeneratedFile {
  return { path, contents };
}

/** YAML built from objects (never by concatenation), with an optional header comment. */
export function yamlFile(path: string, value: unknown, header?: string): GeneratedFile {
  const comment = header ? `${header.split('\n').map((l) => (l ? `# ${l}` : '#')).join('\n')}\n` : '';
  return file(path, comment + stringify(value, { lineWidth: 0, aliasDuplicateObjects: false }));
}

export function jsonFile(path: string, value: unknown): GeneratedFile {
  return file(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Sorted by path, duplicates refused: output order never depends on emitter order. */
export function normalise(files: readonly GeneratedFile[]): GeneratedFile[] {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  sorted.forEach((f, i) => {
    if (i > 0 && sorted[i - 1]?.path === f.path) throw new Error(`two emitters wrote ${f.path}`);
  });
  return sorted;
}
