/**
 * Carries out a plan (plan.ts) all or nothing:
 * 1. every new or changed file is written to a temporary file beside its target (missing folders
 *    are created, `secrets/` 0700 whatever the umask: generated-paths.ts), so a full disk or a
 *    read-only folder fails here, before any target is touched;
 * 2. each target is checked to be as the plan saw it, then renamed aside as a backup and the
 *    temporary file renamed into its place; mode-only changes are chmods;
 * 3. deletions: the file is renamed aside as a backup;
 * 4. the manifest, last (it records the run, so it must not claim a run that did not finish);
 * 5. backups are removed, then folders the deletions left empty.
 * Any failure in 1–4 undoes every step already taken, in reverse (backups renamed back, new files
 * and folders removed), and reports one line. SIGINT/SIGTERM/SIGHUP arriving meanwhile are held
 * until the plan is applied, then re-raised. What this does not cover: a SIGKILL or a power loss in
 * the few milliseconds of step 2–4 (no fsync, no journal).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, renameSync, rmdirSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { stampOf } from './disk.ts';
import { fsProblem, WriteError, type Problem } from './errors.ts';
import { folderMode } from './generated-paths.ts';
import { MANIFEST_FILE } from './manifest.ts';
import type { Plan, PlannedFile } from './plan.ts';

/** The filesystem calls apply makes: node:fs, or a stand-in that fails on purpose in tests. */
export interface FileOps {
  mkdir(path: string): void;
  rmdir(path: string): void;
  /** Creates a new file (fails if it exists). */
  create(path: string, contents: string): void;
  chmod(path: string, mode: number): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** undefined when nothing is there. */
  lstat(path: string): Stats | undefined;
}

export const NODE_OPS: FileOps = {
  mkdir: (path) => mkdirSync(path),
  rmdir: (path) => rmdirSync(path),
  create: (path, contents) => writeFileSync(path, contents, { flag: 'wx', mode: 0o666 }),
  chmod: (path, mode) => chmodSync(path, mode),
  rename: (from, to) => renameSync(from, to),
  unlink: (path) => unlinkSync(path),
  lstat: (path) => {
    try {
      return lstatSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
};

export interface Applied {
  /** Backups and emptied folders that could not be removed after the run succeeded. */
  readonly leftovers: readonly string[];
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs `work` (synchronous) with termination signals held, then re-raises the first one that
 * arrived. A signal caught during `work` reaches its listener only when the event loop turns, so
 * the listeners stay until one turn (setImmediate) has passed.
 */
async function holdingSignals<T>(work: () => T): Promise<T> {
  let received: NodeJS.Signals | undefined;
  const hold = (signal: NodeJS.Signals) => {
    received ??= signal;
  };
  for (const s of SIGNALS) process.on(s, hold);
  try {
    return work();
  } finally {
    await new Promise((resolve) => setImmediate(resolve));
    for (const s of SIGNALS) process.off(s, hold);
    if (received) process.kill(process.pid, received);
  }
}

/** A failed step of the apply, already described. */
class Step extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(`${problem.what}: ${problem.why}`);
    this.problem = problem;
  }
}

/** Applies `plan` under the folder `root` (created if missing). Rejects with a WriteError after undoing everything on failure. */
export function apply(root: string, plan: Plan, ops: FileOps = NODE_OPS): Promise<Applied> {
  return holdingSignals(() => applyNow(root, plan, ops));
}

function applyNow(root: string, plan: Plan, ops: FileOps): Applied {
  const token = randomBytes(4).toString('hex');
  const abs = (path: string) => (path === '' ? root : join(root, ...path.split('/')));
  const beside = (target: string, what: 'new' | 'old') => join(dirname(target), `.${basename(target)}.${token}.brokerplate-${what}`);
  const undo: { what: string; run: () => void }[] = [];
  const backups: string[] = [];
  const step = <T>(what: string, doing: string, fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof Step) throw error;
      throw new Step(fsProblem(what, error, doing));
    }
  };

  const ensureFolder = (dir: string, what: string) => {
    const missing: string[] = [];
    for (let d = dir; !step(what, 'read a parent folder', () => ops.lstat(d)); d = dirname(d)) {
      missing.unshift(d);
      if (dirname(d) === d) break;
    }
    for (const d of missing) {
      const shown = d.startsWith(`${root}/`) ? d.slice(root.length + 1) : d;
      step(what, `create the folder ${shown}`, () => ops.mkdir(d));
      undo.push({ what: d, run: () => ops.rmdir(d) });
      // mkdir's mode is cut by the umask; a chmod is not.
      const mode = d.startsWith(`${root}/`) ? folderMode(relative(root, d).split(sep).join('/')) : undefined;
      if (mode !== undefined) step(what, `set the mode of the folder ${shown}`, () => ops.chmod(d, mode));
    }
  };

  /** The target must still be what the plan saw: missing for a new file, the same file (no link) otherwise. */
  const unchanged = (f: PlannedFile): Stats | undefined => {
    const stats = step(f.path, 'read it', () => ops.lstat(abs(f.path)));
    const same = f.stamp === undefined ? stats === undefined : stats !== undefined && stats.isFile() && stampOf(stats) === f.stamp;
    if (!same) throw new Step({ what: f.path, why: 'changed while brokerplate was running; run it again' });
    return stats;
  };

  const writes = plan.files.filter((f) => f.status === 'create' || f.status === 'update');
  const staged = new Map<string, string>();
  try {
    ensureFolder(root, '.');
    for (const f of writes) {
      const target = abs(f.path);
      ensureFolder(dirname(target), f.path);
      const temp = beside(target, 'new');
      // Registered first: a write that fails midway (a full disk) leaves a partial file behind.
      undo.push({ what: f.path, run: () => void (ops.lstat(temp) && ops.unlink(temp)) });
      step(f.path, 'write it', () => ops.create(temp, f.contents ?? ''));
      if (f.mode !== undefined) step(f.path, 'set its mode', () => ops.chmod(temp, f.mode ?? 0o644));
      staged.set(f.path, temp);
    }

    const commitWrite = (f: PlannedFile) => {
      const target = abs(f.path);
      const before = unchanged(f);
      if (before) {
        const backup = beside(target, 'old');
        step(f.path, 'replace it', () => ops.rename(target, backup));
        undo.push({ what: f.path, run: () => ops.rename(backup, target) });
        backups.push(backup);
      }
      step(f.path, before ? 'replace it' : 'create it', () => ops.rename(staged.get(f.path) ?? '', target));
      undo.push({ what: f.path, run: () => ops.unlink(target) });
    };
    for (const f of writes) if (f.path !== MANIFEST_FILE) commitWrite(f);
    for (const f of plan.files) {
      if (f.status === 'mode' && f.mode !== undefined) {
        const before = unchanged(f);
        const mode = f.mode;
        step(f.path, 'set its mode', () => ops.chmod(abs(f.path), mode));
        if (before) undo.push({ what: f.path, run: () => ops.chmod(abs(f.path), before.mode & 0o7777) });
      }
      if (f.status === 'delete') {
        const target = abs(f.path);
        unchanged(f);
        const backup = beside(target, 'old');
        step(f.path, 'delete it', () => ops.rename(target, backup));
        undo.push({ what: f.path, run: () => ops.rename(backup, target) });
        backups.push(backup);
      }
    }
    for (const f of writes) if (f.path === MANIFEST_FILE) commitWrite(f);
  } catch (error) {
    const failures: string[] = [];
    for (const u of undo.reverse()) {
      try {
        u.run();
      } catch (undoError) {
        failures.push(`${u.what} (${(undoError as Error).message})`);
      }
    }
    const problem = error instanceof Step ? error.problem : fsProblem('.', error);
    const outcome = failures.length === 0 ? 'nothing was changed' : `undoing the run failed for ${failures.join(', ')}; the .brokerplate-old files beside them hold the previous versions`;
    throw new WriteError({ what: problem.what, why: `${problem.why}; ${outcome}` });
  }

  // Committed: what follows only tidies up.
  const leftovers: string[] = [];
  const tidy = (what: string, fn: () => void) => {
    try {
      fn();
    } catch {
      leftovers.push(what);
    }
  };
  for (const b of backups) tidy(b, () => ignoreMissing(() => ops.unlink(b)));
  for (const dir of plan.prune) tidy(`${dir}/`, () => ops.rmdir(abs(dir)));
  return { leftovers };
}

function ignoreMissing(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
