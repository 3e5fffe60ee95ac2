/** What every emitter returns: files as data, written (or listed) by the generator. */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';

export interface GeneratedFile {
  /** Path relative to the generated project's root, with forward slashes. */
  readonly path: string;
  readonly contents: string;
  /**
   * Written only when missing, then the user's (e.g. Pulumi.<stack>.yaml, where `pulumi config
   * set --secret` stores encrypted values): never overwritten, never removed, not in the manifest.
   */
  readonly seed?: true;
}

export function seedFile(f: GeneratedFile): GeneratedFile {
  return { ...f, seed: true };
}

export function file(path: string, contents: string): GeneratedFile {
  return { path, contents };
}

/** Recorded in the manifest so a re-run can tell generated files from hand-edited ones. */
export function contentHash(contents: string): string {
  return `sha256-${createHash('sha256').update(contents).digest('hex')}`;
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
