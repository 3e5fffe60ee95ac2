/**
 * A refused or failed write, as one line: `<what>: <why>` (the CLI prefixes `brokerplate: error: `).
 * Several problems found while planning are reported together, so one run shows them all.
 */
export interface Problem {
  /** The path (or setting) the problem is about. */
  readonly what: string;
  /** The rule it breaks, and what to do about it. */
  readonly why: string;
}

export class WriteError extends Error {
  override name = 'WriteError';
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[] | Problem) {
    const list = Array.isArray(problems) ? problems : [problems as Problem];
    super(list.map((p) => `${p.what}: ${p.why}`).join('; '));
    this.problems = list;
  }
}

/** Why a filesystem call failed, in words, for the error codes a user can meet (anything else keeps Node's message). */
const WHY: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder, not a file',
  ENOENT: 'does not exist',
  EEXIST: 'already exists',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  EBUSY: 'busy',
  EXDEV: 'crosses a mount point',
};

export function isErrno(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

/** A Node fs error as a Problem about `what` (a project-relative path or the destination). */
export function fsProblem(what: string, error: unknown, doing?: string): Problem {
  if (!isErrno(error)) return { what, why: error instanceof Error ? error.message : String(error) };
  const code = error.code ?? '';
  const reason = WHY[code] ?? error.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*$/, '');
  return { what, why: `${doing ? `cannot ${doing}: ` : ''}${reason} (${code})` };
}
