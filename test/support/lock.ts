/**
 * A lock between test processes (vitest runs test files in parallel workers): a directory made
 * with an atomic mkdir, holding its owner's pid so a waiter can tell a dead owner's lock is stale.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Whether a process with this pid exists (EPERM: it does, owned by another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes a lock directory (atomic mkdir), waiting for its holder; returns the release function. */
export async function acquireLock(lock: string, timeoutMs = 900_000): Promise<() => void> {
  mkdirSync(dirname(lock), { recursive: true });
  for (const end = Date.now() + timeoutMs; ; ) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), `${process.pid}\n`);
      return () => rmSync(lock, { recursive: true, force: true });
    } catch {
      // A lock whose holder died is stale.
      try {
        const holder = Number.parseInt(readFileSync(join(lock, 'pid'), 'utf8'), 10);
        if (!alive(holder)) rmSync(lock, { recursive: true, force: true });
      } catch {
        try {
          if (Date.now() - statSync(lock).mtimeMs > 60_000) rmSync(lock, { recursive: true, force: true });
        } catch {}
      }
      if (Date.now() > end) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Runs `work` holding the lock. */
export async function withLock<T>(lock: string, work: () => Promise<T>, timeoutMs?: number): Promise<T> {
  const release = await acquireLock(lock, timeoutMs);
  try {
    return await work();
  } finally {
    release();
  }
}
