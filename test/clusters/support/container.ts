/**
 * A compose service of the generated project run as a container would run it, without Docker:
 * its `entrypoint` + `command` and `environment` from compose.yaml, inside the Debian 13 root
 * (the brokers at the majors the images pin) with the service's own mount table in a private
 * mount namespace — each bind mount at its target path, each `tmpfs` a fresh tmpfs, each named
 * volume a folder that survives restarts — and the namespace's /etc/hosts (compose service names
 * → loopback aliases). Its published ports are forwarded from 127.0.0.1 to the service's alias,
 * as docker-proxy does. What a container provides and this harness changes: the address a
 * service binds (its alias instead of every interface of its own network namespace) through
 * `edit`, and where files and volumes live on this machine. Nothing else of the generated files.
 */
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, posix } from 'node:path';
import { parse } from 'yaml';
import { toolPath } from '../../../scripts/tools/tools.mjs';
import { runCommand, type RunResult } from '../../support/cli.ts';
import { addressOf, ClusterNode, type NodeCommand } from './cluster.ts';
import type { ClusterProject } from './project.ts';

type ComposeMount =
  | { type: 'bind'; source: string; target: string; read_only?: boolean }
  | { type: 'tmpfs'; target: string; tmpfs?: { size?: number; mode?: number } }
  | { type: 'volume'; source: string; target: string };

interface ComposeService {
  entrypoint?: string[];
  command?: string[];
  volumes?: ComposeMount[];
  /** compose secrets: files at `target` (/run/secrets/<source>), filled from .env (`secrets: { <source>: { environment: <ENV> } }`). */
  secrets?: { source: string; target: string }[];
  ports?: { host_ip: string; published: string; target: number }[];
  depends_on?: Record<string, { condition: string }>;
}

/** The mount program: proc, devices, the namespace's hosts file, then the service's mounts, then chroot. */
const MOUNT_SCRIPT = [
  'set -e',
  'R=$1; n=$2; shift 2',
  'mount -t proc proc "$R/proc"',
  'mount --rbind /dev "$R/dev"',
  'mount --bind /etc/hosts "$R/etc/hosts"',
  'while [ "$n" -gt 0 ]; do',
  '  kind=$1; src=$2; dst=$3; shift 3; n=$((n - 1))',
  '  mkdir -p "$R$dst"',
  '  if [ "$kind" = tmpfs ]; then mount -t tmpfs -o "$src" tmpfs "$R$dst"; else mount --bind "$src" "$R$dst"; fi',
  'done',
  'exec chroot "$R" "$@"',
].join('\n');

export interface ContainerOptions {
  /** The port that answers once the service is up (on its alias). */
  readonly readyPort: number;
  /** Changes a bind-mounted file on its way into the container (e.g. its bind address); `target` is the path inside. */
  readonly edit?: (target: string, contents: string) => string;
  /** Where the service's files and volumes live on this machine. */
  readonly home: string;
}

function composeServices(project: ClusterProject): Record<string, ComposeService> {
  return (parse(project.read('compose.yaml')) as { services: Record<string, ComposeService> }).services;
}

/** The services a service waits for (compose `depends_on`). */
export function dependenciesOf(project: ClusterProject, service: string): string[] {
  return Object.keys(composeServices(project)[service]?.depends_on ?? {});
}

/** A published port of a running service: 127.0.0.1:<published> → <alias>:<target>, closed while the service is down. */
class Forwarder {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly published: number;
  constructor(published: number, to: { host: string; port: number }) {
    this.published = published;
    this.#server = net.createServer((inbound) => {
      const outbound = net.connect(to);
      for (const s of [inbound, outbound]) {
        // As docker-proxy (Go sets TCP_NODELAY): without it, Nagle holds a second small reply until the first is acknowledged.
        s.setNoDelay(true);
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => (inbound.destroy(), outbound.destroy()));
      }
      inbound.pipe(outbound).pipe(inbound);
    });
  }
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.published, '127.0.0.1', () => resolve());
    });
  }
  close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** A compose service as a ClusterNode: started, SIGKILLed and started again on its volumes. */
export class ContainerNode extends ClusterNode {
  readonly #forwarders: Forwarder[];
  constructor(service: string, command: () => NodeCommand, logFile: string, readyPort: number, forwarders: Forwarder[]) {
    super(service, command, logFile, readyPort);
    this.#forwarders = forwarders;
  }
  override async waitReady(timeoutMs?: number): Promise<void> {
    await super.waitReady(timeoutMs);
    await Promise.all(this.#forwarders.map((f) => f.listen()));
  }
  override async kill(): Promise<void> {
    await Promise.all(this.#forwarders.map((f) => f.close()));
    await super.kill();
  }
  override async stop(): Promise<void> {
    await Promise.all(this.#forwarders.map((f) => f.close().catch(() => undefined)));
    await super.stop();
  }
}

interface ServiceCommand {
  readonly command: () => NodeCommand;
  readonly forwarders: Forwarder[];
}

/**
 * The command line that runs a compose service's container here. `extraMounts` (host folder →
 * target) and `argv` stand for `docker compose run -v … --entrypoint …`; `env` adds to (or, with
 * undefined, removes from) the service's environment.
 */
function serviceCommand(
  project: ClusterProject,
  service: string,
  home: string,
  options: { edit?: ContainerOptions['edit']; extraMounts?: readonly (readonly [string, string])[]; argv?: readonly string[]; env?: Readonly<Record<string, string | undefined>> },
): ServiceCommand {
  const definition = composeServices(project)[service];
  if (!definition) throw new Error(`compose.yaml has no service ${service}`);
  const root = toolPath('debian-trixie');
  if (!root) throw new Error('the Debian 13 root is not installed: node scripts/tools/tools.mjs ensure debian-trixie');
  // Bind-mounted files, grouped by the folder they land in: one folder per target directory; folders as they are.
  const mounts: [kind: 'bind' | 'tmpfs', source: string, target: string][] = [];
  const fileDirs = new Map<string, string>();
  for (const m of definition.volumes ?? []) {
    if (m.type === 'bind') {
      const source = join(project.root, m.source);
      if (statSync(source).isDirectory()) {
        mounts.push(['bind', source, m.target]);
        continue;
      }
      const targetDir = posix.dirname(m.target);
      let local = fileDirs.get(targetDir);
      if (!local) {
        local = join(home, 'mounts', targetDir);
        fileDirs.set(targetDir, local);
        mounts.push(['bind', local, targetDir]);
      }
      const contents = project.read(m.source.replace(/^\.\//, ''));
      writeFileAt(join(local, posix.basename(m.target)), options.edit ? options.edit(m.target, contents) : contents);
    } else if (m.type === 'tmpfs') {
      mounts.push(['tmpfs', `mode=${(m.tmpfs?.mode ?? 0o1777).toString(8)},size=${m.tmpfs?.size ?? 1024 * 1024}`, m.target]);
    } else {
      const volume = join(home, 'volumes', m.source);
      mkdirSync(volume, { recursive: true });
      mounts.push(['bind', volume, m.target]);
    }
  }
  // compose secrets: each a file at its target, holding the .env value the top-level secret names (compose: /run/secrets, a tmpfs).
  const topSecrets = (parse(project.read('compose.yaml')) as { secrets?: Record<string, { environment?: string }> }).secrets ?? {};
  for (const secret of definition.secrets ?? []) {
    const env = topSecrets[secret.source]?.environment;
    const value = env === undefined ? undefined : project.env[env];
    if (value === undefined) throw new Error(`${service}: secret ${secret.source} has no value in .env`);
    const targetDir = posix.dirname(secret.target);
    let local = fileDirs.get(targetDir);
    if (!local) {
      local = join(home, 'mounts', targetDir);
      fileDirs.set(targetDir, local);
      mounts.push(['bind', local, targetDir]);
    }
    writeFileAt(join(local, posix.basename(secret.target)), value);
  }
  for (const [source, target] of options.extraMounts ?? []) mounts.push(['bind', source, target]);
  const argv = options.argv ?? [...(definition.entrypoint ?? []), ...(definition.command ?? [])];
  if (argv.length === 0) throw new Error(`${service}: compose.yaml gives no entrypoint or command (the image's default is not known here)`);
  const env: Record<string, string> = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', ...project.serviceEnv(service, true) };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const command = (): NodeCommand => ({
    command: 'unshare',
    args: ['--mount', '--propagation', 'private', '--', 'sh', '-c', MOUNT_SCRIPT, 'container', root, String(mounts.length), ...mounts.flat(), ...argv],
    env,
  });
  const forwarders = (definition.ports ?? []).map((p) => new Forwarder(Number(p.published), { host: addressOf(service), port: p.target }));
  return { command, forwarders };
}

/** A long-running service (a broker node); its folder starts empty. */
export function containerNode(project: ClusterProject, service: string, options: ContainerOptions): ContainerNode {
  const home = join(options.home, service);
  rmSync(home, { recursive: true, force: true });
  const { command, forwarders } = serviceCommand(project, service, home, { ...(options.edit && { edit: options.edit }) });
  return new ContainerNode(service, command, join(home, 'output.log'), options.readyPort, forwarders);
}

/** Where a service's named volume lives here (what `<project>_<volume>` is to Docker). */
export function volumePath(home: string, service: string, volume: string): string {
  return join(home, service, 'volumes', volume);
}

/** `docker compose run --rm [-v …] [--entrypoint …] <service>`: runs a one-shot service to its end; its volumes persist between runs. */
export async function runService(
  project: ClusterProject,
  service: string,
  options: { home: string; extraMounts?: readonly (readonly [string, string])[]; argv?: readonly string[]; env?: Readonly<Record<string, string | undefined>> },
): Promise<RunResult> {
  const { command } = serviceCommand(project, service, join(options.home, service), options);
  const { command: cmd, args, env } = command();
  return runCommand(cmd, [...args], { ...(env && { env }), timeoutMs: 120_000 });
}

function writeFileAt(path: string, contents: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, contents);
}

/** Starts services in compose's depends_on order (a service once everything it depends on listens), as `docker compose up` does. */
export async function upInOrder(project: ClusterProject, nodes: readonly ClusterNode[], timeoutMs?: number): Promise<void> {
  const started = new Map<string, Promise<void>>();
  const byName = new Map(nodes.map((n) => [n.service, n]));
  const up = (node: ClusterNode): Promise<void> => {
    let done = started.get(node.service);
    if (!done) {
      done = (async () => {
        await Promise.all(dependenciesOf(project, node.service).flatMap((d) => (byName.has(d) ? [up(byName.get(d) as ClusterNode)] : [])));
        node.start();
        await node.waitReady(timeoutMs);
      })();
      started.set(node.service, done);
    }
    return done;
  };
  await Promise.all(nodes.map(up));
}


/**
 * What `certs-init` leaves in each node's TLS volume (compose prod): the generated certs-init.sh run
 * (here with the host's sh) from the project's secrets/tls/ into one folder per node, then each
 * folder moved into that node's named volume. Call it after containerNode() (which empties a node's folder).
 */
export async function fillTlsVolumes(project: ClusterProject, home: string, services: readonly string[]): Promise<void> {
  const out = join(home, 'certs-init', 'out');
  rmSync(out, { recursive: true, force: true });
  for (const s of services) mkdirSync(join(out, s), { recursive: true });
  const r = await runCommand('sh', [join(project.root, 'config/tls/certs-init.sh'), join(project.root, 'secrets/tls'), out], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`certs-init.sh: ${r.output}`);
  for (const s of services) {
    const volume = volumePath(home, s, `${s}-tls`);
    rmSync(volume, { recursive: true, force: true });
    mkdirSync(dirname(volume), { recursive: true });
    renameSync(join(out, s), volume);
  }
}
