/**
 * Throwaway broker processes for tests: start a real server from generated config on ports of
 * the test's own, wait until it really answers, stop exactly what was started (its process group).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import { inDebianRoot } from './tools.ts';

export interface Launched {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** The last lines of the process output, for failure messages. */
  tail(lines?: number): string;
  /** True once the process has exited. */
  exited(): boolean;
  stop(): Promise<void>;
}

const running = new Set<Launched>();

/** Starts `command` in its own process group with stdout+stderr to `logFile`. */
export function launch(name: string, command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string }): Launched {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'a');
  const child: ChildProcess = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  let done = false;
  const exit = new Promise<void>((resolve) => child.on('exit', () => ((done = true), resolve())));
  child.on('error', () => (done = true));
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  const launched: Launched = {
    name,
    pid,
    logFile: options.logFile,
    tail: (lines = 40) => {
      try {
        return readFileSync(options.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '(no output)';
      }
    },
    exited: () => done,
    async stop() {
      running.delete(launched);
      if (done) return;
      const signal = (sig: NodeJS.Signals) => {
        try {
          process.kill(-pid, sig);
        } catch {
          /* already gone */
        }
      };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
  running.add(launched);
  return launched;
}

/** `launch` of a program of the Debian 13 root (RabbitMQ 4, Redis 8): `argv` runs chrooted, the temp folder visible at its own path. */
export function launchInRoot(name: string, argv: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string }): Launched {
  const { command, args } = inDebianRoot(argv, { cwd: options.cwd ?? process.cwd() });
  return launch(name, command, args, options);
}

// A crashed test file must not leave brokers behind.
process.once('exit', () => {
  for (const l of running) {
    try {
      process.kill(-l.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns true; fails with the process log when it times out or the process dies. */
export async function waitFor(what: string, check: () => Promise<boolean>, options: { timeoutMs: number; process?: Launched; intervalMs?: number }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    if (options.process?.exited()) throw new Error(`${what}: ${options.process.name} exited\n${options.process.tail()}`);
    if (Date.now() > deadline) throw new Error(`${what}: timed out after ${options.timeoutMs} ms${options.process ? `\n${options.process.tail()}` : ''}`);
    await sleep(options.intervalMs ?? 200);
  }
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Rewrites `key<sep>value` lines of a config file; every key must occur exactly once, so a remap never silently misses. */
export function remapLines(text: string, changes: Readonly<Record<string, string | null>>, sep: ' ' | '=' | ' = '): string {
  let out = text;
  for (const [key, value] of Object.entries(changes)) {
    const re = new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${sep === ' ' ? ' ' : '\\s*=\\s*'}.*$`, 'gm');
    const hits = out.match(re)?.length ?? 0;
    if (hits !== 1) throw new Error(`remap: expected one "${key}" line, found ${hits}`);
    out = value === null ? out.replace(re, `# (removed by the test harness) ${key}`) : out.replace(re, `${key}${sep}${value}`);
  }
  return out;
}

export function writeFile(path: string, contents: string, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, contents, mode === undefined ? undefined : { mode });
}
