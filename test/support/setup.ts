/**
 * vitest globalSetup, before any test file: installs what the suite needs that `npm ci` does not,
 * once (later runs find it cached and go on at once), saying on one line what and why:
 * - the tools of scripts/tools at the versions of pins.json (SUITE_TOOLS: Go builds of the
 *   Prometheus tools, the Debian 13 root with the brokers, the JMX agent);
 * - the Kafka jars (scripts/brokers/brokers.mjs, version from pins.json).
 * What it cannot do (no root for apt-get, no Go, no Java) stops the run with one line naming the fix.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestProject } from 'vitest/node';
import { ToolError } from '../../scripts/tools/recipes.mjs';
import { ensure } from '../../scripts/tools/tools.mjs';
import { ROOT } from './cli.ts';

interface BrokersModule {
  install(names: readonly string[]): Promise<void>;
}

/**
 * What the suite needs from scripts/tools: promtool/amtool and the servers of the stack's
 * monitoring (Prometheus, Alertmanager, Pushgateway), the JMX exporter agent Kafka loads, and the
 * Debian 13 root whose RabbitMQ 4 and Redis 8 (and redis_exporter) run the generated configs.
 * Test files read the paths with toolPath() (test/support/tools.ts).
 */
export const SUITE_TOOLS = ['promtool', 'amtool', 'prometheus', 'alertmanager', 'pushgateway', 'jmx-javaagent', 'debian-trixie'] as const;
export type SuiteTool = (typeof SUITE_TOOLS)[number];

class SetupError extends Error {}

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** Debian packages of this machine the suite runs: Java 17 and Maven (Kafka, the JMX agent), debootstrap (the Debian 13 root). */
const HOST_PACKAGES: readonly { command: string; pkg: string; why: string }[] = [
  { command: 'java', pkg: 'openjdk-17-jre-headless', why: 'runs Kafka 4 from its jars' },
  { command: 'mvn', pkg: 'maven', why: 'fetches the Kafka jars and the JMX agent from Maven Central' },
  { command: 'debootstrap', pkg: 'debootstrap', why: 'unpacks the Debian 13 root with RabbitMQ 4 and Redis 8' },
];

function ensureHostPackages(): void {
  const missing = HOST_PACKAGES.filter((p) => !have(p.command));
  if (missing.length === 0) return;
  const pkgs = missing.map((p) => p.pkg);
  const command = `apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
  if (process.getuid?.() !== 0) throw new SetupError(`needs apt-get as root: run ${command}`);
  console.error(`[setup] installing ${missing.map((p) => `${p.pkg} (${p.why})`).join(', ')} with apt-get`);
  const apt = (args: string[]) => spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  const install = ['install', '-y', '-q', '--no-install-recommends', ...pkgs];
  // refresh the package lists only when the install fails (missing or stale lists)
  if (!apt(install) && !(apt(['update', '-q']) && apt(install))) throw new SetupError(`${command} failed (see above)`);
}

/** brokers.mjs has no types: loaded by path. */
async function brokersModule(): Promise<BrokersModule> {
  return (await import(pathToFileURL(join(ROOT, 'scripts', 'brokers', 'brokers.mjs')).href)) as BrokersModule;
}

export default async function setup(project: TestProject): Promise<void> {
  const t0 = Date.now();
  try {
    if (!have('go')) throw new SetupError('needs go on PATH (Go >= 1.26): it builds the pinned Prometheus tools and fetches the Compose schema from the Go module proxy');
    ensureHostPackages();
    const paths: Record<string, string> = await ensure(SUITE_TOOLS.filter((t) => !(t === 'debian-trixie' && process.env.DEBIAN_TRIXIE_ROOT)));
    if (process.env.DEBIAN_TRIXIE_ROOT) paths['debian-trixie'] = process.env.DEBIAN_TRIXIE_ROOT;
    await (await brokersModule()).install(['kafka']);
    project.provide('tools', paths);
  } catch (error) {
    // An expected failure (something missing that the setup cannot get) is one line naming the fix; anything else shows its stack.
    const expected = error instanceof SetupError || error instanceof ToolError;
    console.error(`brokerplate test setup failed: ${expected ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  }
  if (Date.now() - t0 > 2000) console.error(`[setup] test tools ready in ${Math.round((Date.now() - t0) / 1000)} s`);
}
