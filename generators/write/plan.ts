/**
 * The write plan: every file a run would create, update, leave alone or delete, and every conflict,
 * computed in memory from the emitted files and one reading of the destination. Nothing here
 * touches the disk; apply.ts carries a plan out, and `--dry-run` prints the same plan.
 *
 * Refused outright, with or without --force (a WriteError listing every problem): a generated path
 * or manifest entry that is a symbolic link or sits under one (writing or deleting through it could
 * reach anywhere), a folder or device where a file belongs, a file where a folder belongs, and an
 * unsafe manifest (manifest.ts). A manifest entry outside the locations brokerplate generates
 * (generated-paths.ts) is ignored with a warning: it is never deleted, whatever its hash says.
 */
import { kindOf, type FileKind, type GeneratedFile } from '../emit/files.ts';
import type { Disk, DiskEntry } from './disk.ts';
import { WriteError, type Problem } from './errors.ts';
import { isGeneratedLocation } from './generated-paths.ts';
import { contentHash, MANIFEST_FILE, readManifest, unsafePathReason, type Manifest } from './manifest.ts';

/**
 * - create / update: written (update also covers a changed mode);
 * - mode: contents already right, only the permission bits change;
 * - identical: nothing to do; keep: exists and stays as it is (a seed, or a conflict the user kept);
 * - delete: a managed file the spec no longer produces, unchanged since it was generated;
 * - conflict: a managed file edited by hand (or not brokerplate's) that would be overwritten or deleted.
 */
export type Status = 'create' | 'update' | 'mode' | 'identical' | 'keep' | 'delete' | 'conflict';

export interface PlannedFile {
  readonly path: string;
  readonly kind: FileKind;
  readonly status: Status;
  /** create / update: the new contents. */
  readonly contents?: string;
  /** The permission bits the file gets (or keeps); undefined for a new file means the umask's default. */
  readonly mode?: number;
  /** The file's identity when the plan was made: apply refuses to replace or delete a file that changed since. */
  readonly stamp?: string;
  /** A few words shown beside the status. */
  readonly note?: string;
  /** For a conflict: what overwriting it means. */
  readonly overwrite?: 'update' | 'delete';
}

export interface Plan {
  /** One entry per path, sorted, the manifest last (apply writes it last). */
  readonly files: readonly PlannedFile[];
  /** Folders the deletions leave empty, deepest first; removed with them. */
  readonly prune: readonly string[];
  /** One line each, for stderr: manifest entries ignored because brokerplate never generates such a path. */
  readonly warnings: readonly string[];
}

const ORDER = (a: PlannedFile, b: PlannedFile) => (a.path === MANIFEST_FILE ? 1 : b.path === MANIFEST_FILE ? -1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

const SEED_KEPT = 'created once, then yours';

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

function describe(entry: DiskEntry): string {
  switch (entry.type) {
    case 'symlink':
      return `is a symbolic link (to ${entry.target}); brokerplate writes and deletes nothing through a link: replace it with a regular file, or remove it`;
    case 'dir':
      return 'is a folder where brokerplate writes a file: move it away';
    case 'other':
      return `is ${entry.what} where brokerplate writes a file: move it away`;
    default:
      return 'is not a regular file';
  }
}

/** Why `entry` cannot be read or replaced as the file at `path`, or undefined when it is a file or missing. */
export function entryProblem(path: string, entry: DiskEntry): Problem | undefined {
  return entry.type === 'file' || entry.type === 'missing' ? undefined : { what: path, why: describe(entry) };
}

/** Problems with the folders above `path`: each must be a real folder (or not exist yet). */
function ancestorProblems(path: string, disk: Disk): Problem[] {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    const entry = disk.entry(dir);
    if (entry.type === 'missing') return [];
    if (entry.type === 'dir') continue;
    if (entry.type === 'symlink') return [{ what: dir, why: `is a symbolic link (to ${entry.target}); brokerplate writes and deletes nothing through a link (needed for ${path}): replace it with a real folder` }];
    return [{ what: dir, why: `is ${entry.type === 'file' ? 'a file' : entry.what}, but ${path} needs it to be a folder: move it away` }];
  }
  return [];
}

function previousManifest(disk: Disk, problems: Problem[]): Manifest {
  const entry = disk.entry(MANIFEST_FILE);
  if (entry.type === 'missing') return readManifest(undefined);
  if (entry.type !== 'file') {
    problems.push({ what: MANIFEST_FILE, why: describe(entry) });
    return readManifest(undefined);
  }
  return readManifest(entry.bytes.toString('utf8'));
}

function planFile(f: GeneratedFile, disk: Disk, previous: Manifest): PlannedFile | Problem {
  const kind = kindOf(f);
  const entry = disk.entry(f.path);
  const base = { path: f.path, kind, ...(f.mode !== undefined && { mode: f.mode }) };
  if (entry.type === 'missing') return { ...base, status: 'create', contents: f.contents };
  if (entry.type !== 'file') return { what: f.path, why: describe(entry) };
  const stamped = { ...base, mode: f.mode ?? entry.mode, stamp: entry.stamp };
  const modeNote = f.mode !== undefined && entry.mode !== f.mode ? `mode ${octal(entry.mode)} → ${octal(f.mode)}` : undefined;
  const same = entry.bytes.equals(Buffer.from(f.contents));
  if (kind === 'seed') return modeNote ? { ...stamped, status: 'mode', note: modeNote } : { ...stamped, status: 'keep', note: SEED_KEPT };
  if (same) return modeNote ? { ...stamped, status: 'mode', note: modeNote } : { ...stamped, status: 'identical' };
  const update: PlannedFile = { ...stamped, status: 'update', contents: f.contents, ...(modeNote && { note: modeNote }) };
  if (kind === 'merge') return update;
  if (previous.files.get(f.path) === contentHash(entry.bytes)) return update;
  const why = previous.files.has(f.path) ? 'edited by hand since brokerplate generated it' : 'exists, and brokerplate did not write it';
  return { ...stamped, status: 'conflict', contents: f.contents, note: why, overwrite: 'update' };
}

/** A file the previous run generated that this run does not produce. */
function planOrphan(path: string, hash: string, disk: Disk): PlannedFile | Problem | undefined {
  const entry = disk.entry(path);
  if (entry.type === 'missing') return undefined;
  if (entry.type !== 'file') return { what: path, why: `listed in ${MANIFEST_FILE} but ${describe(entry).replace(/^is /, 'is now ')}` };
  const base = { path, kind: 'managed' as const, mode: entry.mode, stamp: entry.stamp };
  if (contentHash(entry.bytes) === hash) return { ...base, status: 'delete', note: 'no longer generated' };
  return { ...base, status: 'conflict', note: 'edited by hand, and no longer generated', overwrite: 'delete' };
}

/** A seed the previous run would have created that this run does not produce: removed while untouched, else the user's. */
function planSeedOrphan(path: string, hash: string, disk: Disk): PlannedFile | Problem | undefined {
  const entry = disk.entry(path);
  if (entry.type === 'missing') return undefined;
  if (entry.type !== 'file') return { what: path, why: `listed in ${MANIFEST_FILE} but ${describe(entry).replace(/^is /, 'is now ')}` };
  const base = { path, kind: 'seed' as const, mode: entry.mode, stamp: entry.stamp };
  if (contentHash(entry.bytes) === hash) return { ...base, status: 'delete', note: 'no longer generated' };
  return { ...base, status: 'keep', note: 'no longer generated; kept: yours since it was created' };
}

function isProblem(x: PlannedFile | Problem): x is Problem {
  return 'why' in x;
}

/** Folders left empty once the plan's deletions are done (and nothing is written into them), deepest first. */
function pruned(files: readonly PlannedFile[], disk: Disk): string[] {
  const deleted = new Set(files.filter((f) => f.status === 'delete').map((f) => f.path));
  const kept = new Set<string>();
  for (const f of files) {
    if (f.status === 'delete') continue;
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) kept.add(parts.slice(0, i).join('/'));
  }
  const candidates = new Set<string>();
  for (const path of deleted) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) candidates.add(parts.slice(0, i).join('/'));
  }
  const deepestFirst = [...candidates].filter((d) => !kept.has(d)).sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? -1 : 1));
  const removable = new Set<string>();
  for (const dir of deepestFirst) {
    if (disk.children(dir).every((name) => deleted.has(`${dir}/${name}`) || removable.has(`${dir}/${name}`))) removable.add(dir);
  }
  return deepestFirst.filter((d) => removable.has(d));
}

/** The plan for writing `files` (the whole emitted project, manifest included) into the destination `disk` shows. */
export function plan(files: readonly GeneratedFile[], disk: Disk): Plan {
  const problems: Problem[] = [];
  const previous = previousManifest(disk, problems);
  const planned: PlannedFile[] = [];
  const produced = new Set(files.map((f) => f.path));
  const consider = (path: string, make: () => PlannedFile | Problem | undefined) => {
    const unsafe = unsafePathReason(path);
    if (unsafe) return problems.push({ what: JSON.stringify(path), why: unsafe });
    const above = ancestorProblems(path, disk);
    if (above.length > 0) return problems.push(...above.filter((p) => !problems.some((q) => q.what === p.what)));
    const result = make();
    if (result === undefined) return;
    if (isProblem(result)) problems.push(result);
    else planned.push(result);
  };
  const warnings: string[] = [];
  // An orphan is deleted on the manifest's word alone, so the entry must name a place brokerplate writes.
  const orphan = (path: string, make: () => PlannedFile | Problem | undefined) => {
    if (unsafePathReason(path) === undefined && !isGeneratedLocation(path)) {
      warnings.push(`${MANIFEST_FILE}: entry ${JSON.stringify(path)} is not a path brokerplate generates; ignored (not deleted)`);
      return;
    }
    consider(path, make);
  };
  for (const f of files) consider(f.path, () => planFile(f, disk, previous));
  for (const [path, hash] of previous.files) if (!produced.has(path)) orphan(path, () => planOrphan(path, hash, disk));
  for (const [path, hash] of previous.seeds) if (!produced.has(path) && !previous.files.has(path)) orphan(path, () => planSeedOrphan(path, hash, disk));
  if (problems.length > 0) throw new WriteError(problems);
  const sorted = planned.sort(ORDER);
  return { files: sorted, prune: pruned(sorted, disk), warnings };
}

export function conflictsOf(p: Plan): PlannedFile[] {
  return p.files.filter((f) => f.status === 'conflict');
}

/** Settles every conflict: `overwrite(f)` true replaces (or deletes) the file, false keeps the user's version. */
export function settle(p: Plan, disk: Disk, overwrite: (f: PlannedFile) => boolean): Plan {
  const files = p.files.map((f): PlannedFile => {
    if (f.status !== 'conflict') return f;
    if (overwrite(f)) return { ...f, status: f.overwrite ?? 'update' };
    const { contents: _dropped, ...rest } = f;
    return { ...rest, status: 'keep', note: `kept: ${f.note ?? 'edited by hand'}` };
  });
  return { files, prune: pruned(files, disk), warnings: p.warnings };
}

/** Files a run leaves as they are without anything to say: identical ones, and seeds that exist. */
function quiet(f: PlannedFile): boolean {
  return f.status === 'identical' || (f.status === 'keep' && f.kind === 'seed' && f.note === SEED_KEPT);
}

/** The plan as lines for the terminal (`--dry-run` and a real run print the same). Unchanged files are counted, not listed. */
export function formatPlan(p: Plan): string[] {
  const lines = p.files.filter((f) => !quiet(f)).map((f) => `  ${f.status.padEnd(9)} ${f.path}${f.note ? `  (${f.note})` : ''}`);
  lines.push(...p.prune.map((d) => `  ${'delete'.padEnd(9)} ${d}/  (left empty)`));
  const same = p.files.filter(quiet).length;
  if (same > 0) lines.push(`  ${same} file${same === 1 ? '' : 's'} unchanged`);
  return lines;
}

/** True when applying the plan would change nothing on disk. */
export function isNoop(p: Plan): boolean {
  return p.prune.length === 0 && p.files.every((f) => f.status === 'identical' || f.status === 'keep');
}
