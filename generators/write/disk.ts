/**
 * What the destination holds, read once per path and never through a symbolic link (lstat), so the
 * plan is computed from one consistent picture and tests can hand it an in-memory one.
 */
import { accessSync, constants, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statfsSync, statSync, type Stats } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fsProblem, WriteError } from './errors.ts';

export type DiskEntry =
  | { readonly type: 'missing' }
  | {
      readonly type: 'file';
      readonly bytes: Buffer;
      /** Permission bits (mode & 0o777). */
      readonly mode: number;
      /** Identity at read time (inode, size, change time): apply.ts refuses to replace a file that changed since. */
      readonly stamp: string;
    }
  | { readonly type: 'dir' }
  | { readonly type: 'symlink'; readonly target: string }
  | { readonly type: 'other'; readonly what: string };

export interface Disk {
  /** The entry at a project-relative path (forward slashes). */
  entry(path: string): DiskEntry;
  /** Names inside a project-relative folder ('' is the root); empty when it is missing. */
  children(path: string): readonly string[];
}

export function stampOf(stats: Stats): string {
  return `${stats.ino}:${stats.size}:${stats.ctimeMs}`;
}

function otherType(stats: Stats): string {
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The destination's real state, memoised per path. Errors other than "not there" become one-line WriteErrors. */
export function readDisk(root: string): Disk {
  const cache = new Map<string, DiskEntry>();
  const full = (path: string) => (path === '' ? root : join(root, ...path.split('/')));
  return {
    entry(path) {
      const known = cache.get(path);
      if (known) return known;
      let entry: DiskEntry;
      try {
        const stats = lstatSync(full(path));
        if (stats.isSymbolicLink()) entry = { type: 'symlink', target: readLink(full(path)) };
        else if (stats.isDirectory()) entry = { type: 'dir' };
        else if (stats.isFile()) entry = { type: 'file', bytes: readFileSync(full(path)), mode: stats.mode & 0o777, stamp: stampOf(stats) };
        else entry = { type: 'other', what: otherType(stats) };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new WriteError(fsProblem(path || '.', error, 'read it'));
        entry = { type: 'missing' };
      }
      cache.set(path, entry);
      return entry;
    },
    children(path) {
      try {
        return readdirSync(full(path)).sort();
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return [];
        throw new WriteError(fsProblem(path || '.', error, 'list it'));
      }
    },
  };
}

function readLink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '(unreadable)';
  }
}

/**
 * Pseudo-filesystems that only look like folders (files there are kernel interfaces), by path and by
 * statfs type. /dev/shm is an ordinary tmpfs.
 */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];
const ORDINARY_UNDER_PSEUDO = ['/dev/shm'];
const PSEUDO_FS_TYPES: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'procfs'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
]);

function pseudoFilesystem(existing: string): string | undefined {
  const real = realpathSync.native(existing);
  const under = (r: string) => real === r || real.startsWith(`${r}${sep}`);
  const root = PSEUDO_ROOTS.find(under);
  if (root && !ORDINARY_UNDER_PSEUDO.some(under)) return `${root}, a kernel pseudo-filesystem`;
  try {
    const type = PSEUDO_FS_TYPES.get(Number(statfsSync(real).type));
    if (type) return `a ${type} mount, a kernel pseudo-filesystem`;
  } catch {
    // statfs unsupported: the path check above stands alone.
  }
  return undefined;
}

/**
 * Refuses a destination brokerplate cannot or must not write a project into, before anything else
 * happens: a kernel pseudo-filesystem, something that is not a folder, or a folder (or the nearest
 * existing parent of a new one) that cannot be written.
 */
export function checkDestination(destination: string): void {
  const dest = resolve(destination);
  const refuse = (why: string): never => {
    throw new WriteError({ what: destination, why });
  };
  let existing = dest;
  for (;;) {
    try {
      lstatSync(existing);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') refuse(`cannot create it: ${dirnameFile(existing)} is a file, not a folder (ENOTDIR)`);
      if (code !== 'ENOENT') throw new WriteError(fsProblem(destination, error));
      const parent = dirname(existing);
      if (parent === existing) break;
      existing = parent;
    }
  }
  const pseudo = pseudoFilesystem(existing);
  if (pseudo) refuse(`is inside ${pseudo}; choose a normal folder`);
  let stats: Stats;
  try {
    stats = statSync(existing);
  } catch (error) {
    throw new WriteError(fsProblem(destination, error));
  }
  if (existing === dest) {
    if (!stats.isDirectory()) refuse(`is ${stats.isFile() ? 'a file' : otherType(stats)}, not a folder; give a folder to generate into`);
  } else if (!stats.isDirectory()) {
    refuse(`cannot create it: ${existing} is ${stats.isFile() ? 'a file' : otherType(stats)}, not a folder (ENOTDIR)`);
  }
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const why = code === 'EROFS' ? 'read-only file system' : code === 'EACCES' ? 'permission denied' : code;
    refuse(existing === dest ? `cannot write into it: ${why} (${code})` : `cannot create it: ${existing} is not writable: ${why} (${code})`);
  }
}

/** The nearest ancestor of `path` that exists and is not a folder (for an ENOTDIR message). */
function dirnameFile(path: string): string {
  let p = dirname(path);
  while (p !== dirname(p)) {
    try {
      if (!lstatSync(p).isDirectory()) return p;
    } catch {
      // keep climbing
    }
    p = dirname(p);
  }
  return p;
}
