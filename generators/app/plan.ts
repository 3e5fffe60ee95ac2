/**
 * What a run would do to the destination: compares the emitted files with the disk and with
 * the manifest of the previous run, so a re-run overwrites files it generated, asks before
 * overwriting files edited by hand, and removes files the spec no longer produces.
 */
import { contentHash, MANIFEST_FILE, type GeneratedFile } from '../emit/index.ts';

export type Status = 'create' | 'identical' | 'update' | 'conflict' | 'delete' | 'keep-edited' | 'keep-seed';

export interface PlannedFile {
  readonly path: string;
  readonly status: Status;
}

export interface Manifest {
  readonly files: Readonly<Record<string, string>>;
}

export function readManifest(text: string | undefined): Manifest {
  if (!text) return { files: {} };
  try {
    const parsed: unknown = JSON.parse(text);
    const files = typeof parsed === 'object' && parsed !== null && 'files' in parsed ? parsed.files : undefined;
    if (typeof files === 'object' && files !== null && !Array.isArray(files)) {
      return { files: Object.fromEntries(Object.entries(files).filter((e): e is [string, string] => typeof e[1] === 'string')) };
    }
  } catch {
    // An unreadable manifest only costs the hand-edit detection: every differing file is a conflict.
  }
  return { files: {} };
}

export function plan(files: readonly GeneratedFile[], readDisk: (path: string) => string | undefined): PlannedFile[] {
  const previous = readManifest(readDisk(MANIFEST_FILE));
  const out: PlannedFile[] = files.map((f) => {
    const disk = readDisk(f.path);
    if (disk === undefined) return { path: f.path, status: 'create' };
    if (disk === f.contents) return { path: f.path, status: 'identical' };
    if (f.seed) return { path: f.path, status: 'keep-seed' };
    // The manifest file itself always follows the run.
    if (f.path === MANIFEST_FILE || previous.files[f.path] === contentHash(disk)) return { path: f.path, status: 'update' };
    return { path: f.path, status: 'conflict' };
  });
  const current = new Set(files.map((f) => f.path));
  for (const [path, hash] of Object.entries(previous.files).sort()) {
    if (current.has(path)) continue;
    const disk = readDisk(path);
    if (disk === undefined) continue;
    out.push({ path, status: contentHash(disk) === hash ? 'delete' : 'keep-edited' });
  }
  return out;
}
