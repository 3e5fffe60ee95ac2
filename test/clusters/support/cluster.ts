/**
 * A cluster of real broker processes started from the generated prod files, one per compose
 * service, each on its service name's loopback alias (test/clusters/hosts.json). Tests run inside
 * the private network namespace of scripts/clusters/in-netns.mjs (`npm run test:clusters`), where
 * those names resolve; a node can be SIGKILLed and started again on the same data.
 */
import { readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { join } from 'node:path';
import { ROOT } from '../../support/cli.ts';
import { launch, portOpen, waitFor, type Launched } from '../../support/launch.ts';

const HOSTS = JSON.parse(readFileSync(join(ROOT, 'test', 'clusters', 'hosts.json'), 'utf8')) as Record<string, string>;

/** The loopback alias of a compose service name. */
export function addressOf(service: string): string {
  const address = HOSTS[service];
  if (!address) throw new Error(`test/clusters/hosts.json has no address for ${service}`);
  return address;
}

/** Fails at once, with the command to use, when the service names do not resolve (not inside in-netns.mjs). */
export async function assertClusterNetwork(services: readonly string[]): Promise<void> {
  for (const service of services) {
    const resolved = await lookup(service).catch(() => undefined);
    if (resolved?.address !== addressOf(service)) {
      throw new Error(`${service} does not resolve to ${addressOf(service)}: run the cluster tests with npm run test:clusters (it provides the names in a private network namespace)`);
    }
  }
}

export interface NodeCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** One broker process of a cluster: started, killed (SIGKILL, as a crashed host), started again. */
export class ClusterNode {
  #process: Launched | undefined;
  #starts = 0;

  readonly service: string;
  /** The port that answers once the node accepts clients (on the service's alias). */
  readonly readyPort: number;
  readonly #startCommand: () => NodeCommand;
  readonly #logFile: string;

  constructor(service: string, startCommand: () => NodeCommand, logFile: string, readyPort: number) {
    this.service = service;
    this.#startCommand = startCommand;
    this.#logFile = logFile;
    this.readyPort = readyPort;
  }

  get address(): string {
    return addressOf(this.service);
  }

  get running(): boolean {
    return this.#process !== undefined && !this.#process.exited();
  }

  start(): void {
    if (this.running) throw new Error(`${this.service} is already running`);
    const { command, args, env, cwd } = this.#startCommand();
    this.#starts++;
    this.#process = launch(`${this.service}#${this.#starts}`, command, args, { env: env ?? process.env, ...(cwd && { cwd }), logFile: this.#logFile });
  }

  async waitReady(timeoutMs = 120_000): Promise<void> {
    await waitFor(`${this.service} listening on ${this.address}:${this.readyPort}`, () => portOpen(this.readyPort, this.address), {
      timeoutMs,
      ...(this.#process && { process: this.#process }),
    });
  }

  /** SIGKILL of the whole process group: no shutdown hook runs, as when a host dies. */
  async kill(): Promise<void> {
    const p = this.#process;
    if (!p || p.exited()) return;
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await waitFor(`${this.service} to die`, async () => p.exited(), { timeoutMs: 15_000 });
    // A killed JVM can hold its sockets a moment longer than its pid.
    await waitFor(`${this.service}'s port to close`, async () => !(await portOpen(this.readyPort, this.address)), { timeoutMs: 15_000 });
  }

  async stop(): Promise<void> {
    await this.#process?.stop();
  }

  /** SIGSTOP (a hung host: its sockets stay open, it answers nothing) or SIGCONT of the whole process group. */
  freeze(frozen: boolean): void {
    const p = this.#process;
    if (!p || p.exited()) throw new Error(`${this.service} is not running`);
    process.kill(-p.pid, frozen ? 'SIGSTOP' : 'SIGCONT');
  }

  tail(lines = 40): string {
    return this.#process?.tail(lines) ?? '(never started)';
  }
}

/** Starts every node (in parallel, as compose would) and waits until each listens. */
export async function startAll(nodes: readonly ClusterNode[], timeoutMs?: number): Promise<void> {
  for (const node of nodes) node.start();
  await Promise.all(nodes.map((n) => n.waitReady(timeoutMs)));
}

export async function stopAll(nodes: readonly ClusterNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop()));
}
