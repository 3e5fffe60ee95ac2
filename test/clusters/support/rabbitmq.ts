/**
 * RabbitMQ 4 nodes of a cluster test: Debian 13's rabbitmq-server 4.0.5 (the major the image pins)
 * run with chroot from the root scripts/tools builds, one node per compose service, each on its
 * service name's loopback alias, started through the generated entrypoint.sh.
 *
 * What a container provides and this harness supplies instead:
 * - its own network stack. Every node keeps its generated name `rabbit@rabbitmq-N` and the
 *   distribution port 25672 by binding the distribution to its alias
 *   (`-kernel inet_dist_use_interface`). There is no epmd: with one epmd per machine all three
 *   nodes would register with the same one, which refuses a second `rabbit`. Erlang's no-epmd
 *   mode (`-erl_epmd_port 25672 -start_epmd false`, in ERL_ZFLAGS so that RabbitMQ's temporary
 *   peer-discovery node and the CLI tools get it too) looks every node up on that one port.
 *   Those helper VMs must not listen on it (`-dist_listen false`); the node itself starts its
 *   distribution at VM start (`-sname`, `-dist_listen true`), which also skips the prelaunch
 *   check that port 25672 is free on every interface (it is not: the other nodes hold it on theirs);
 * - its host name (RABBITMQ_NODENAME: the chroot shares the machine's host name);
 * - the listener addresses (the alias instead of every interface) and the paths of the mounted
 *   files (definitions.json, the data directory, the node's TLS certificate and key, the secret
 *   files compose mounts at /run/secrets/);
 * - `docker-entrypoint.sh` of the official image (ownership, dropping to the rabbitmq user): a
 *   pass-through, the chroot runs as root;
 * - compose's published ports (127.0.0.1:5671 → rabbitmq-1:5671, 5681 → rabbitmq-2, ...): TCP
 *   forwarders, so the clients use `.env` exactly as generated (AMQPS, the certificates checked).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { inRoot as inDebianRoot } from '../../../scripts/brokers/debian-root.mjs';
import { toolPath } from '../../../scripts/tools/tools.mjs';
import { runCommand, type RunResult } from '../../support/cli.ts';
import { remapLines, writeFile } from '../../support/launch.ts';
import { addressOf, ClusterNode } from './cluster.ts';
import { RABBITMQ_TLS_FILES, RABBITMQ_TLS_PORTS } from '../../../generators/brokers/rabbitmq/config.ts';
import { CA_FILES, certFiles } from '../../../generators/emit/tls-model.ts';

/** The distribution port every node keeps (as in its container). */
export const DIST_PORT = 25672;
/** Inside the Debian root: the scripts that run as the calling user (/usr/sbin's wrappers switch users). */
const RABBITMQ_BIN = '/usr/lib/rabbitmq/bin';
const NO_EPMD = `-erl_epmd_port ${DIST_PORT} -start_epmd false -dist_listen false`;

function debianRoot(): string {
  const root = toolPath('debian-trixie');
  if (!root) throw new Error('the Debian 13 root is missing: run node scripts/tools/tools.mjs ensure debian-trixie (npm run test:clusters does)');
  return root;
}

/**
 * `{ command, args }` running `argv` chrooted into the Debian root with a clean environment
 * (scripts/brokers/debian-root.mjs: a private mount namespace with a fresh /proc, the machine's
 * /dev, this network namespace's /etc/hosts, and `binds` (host folders) at the same paths).
 */
export function inRoot(argv: readonly string[], env: Readonly<Record<string, string>>, binds: readonly string[]): { command: string; args: string[] } {
  const vars = Object.entries({ PATH: `${RABBITMQ_BIN}:/usr/sbin:/usr/bin:/sbin:/bin`, LANG: 'C.UTF-8', ...env }).map(([k, v]) => `${k}=${v}`);
  return inDebianRoot(debianRoot(), ['env', '-i', ...vars, ...argv], { binds, cwd: '/' });
}

export interface RabbitClusterOptions {
  /** The generated project's root (config/rabbitmq/ holds the files). */
  readonly project: string;
  /** Node folders, logs and the harness's own scripts. */
  readonly home: string;
  readonly services: readonly string[];
  readonly cookie: string;
  /** Environment of every node, as compose gives it (the cookie among it). */
  readonly env: Readonly<Record<string, string>>;
}

export class RabbitCluster {
  readonly nodes: ClusterNode[];
  readonly #o: RabbitClusterOptions;
  readonly #bin: string;

  constructor(options: RabbitClusterOptions) {
    this.#o = options;
    this.#bin = join(options.home, 'bin');
    writeFile(join(this.#bin, 'docker-entrypoint.sh'), '#!/bin/sh\n# Stands in for the image\'s entrypoint (ownership, gosu to rabbitmq): the chroot runs as root.\nexec "$@"\n', 0o755);
    this.nodes = options.services.map((service) => this.#node(service));
  }

  /**
   * The generated rabbitmq.conf with only the addresses and paths a container would differ in: the
   * listeners on the node's alias, definitions.json's path, and the TLS files (/etc/brokerplate/tls/
   * in the container, where certs-init copies the node's own) at this node's material in secrets/tls/.
   */
  #conf(service: string): string {
    const generated = readFileSync(join(this.#o.project, 'config/rabbitmq/rabbitmq.conf'), 'utf8');
    const alias = addressOf(service);
    const material: Record<string, string> = {
      [RABBITMQ_TLS_FILES.ca]: join(this.#o.project, CA_FILES.cert),
      [RABBITMQ_TLS_FILES.cert]: join(this.#o.project, certFiles(service).cert),
      [RABBITMQ_TLS_FILES.key]: join(this.#o.project, certFiles(service).key),
    };
    const files = Object.fromEntries(
      generated.split('\n').flatMap((line) => {
        const m = /^(\S+\.(?:cacertfile|certfile|keyfile)) = (\S+)$/.exec(line);
        return m?.[1] && m[2] && material[m[2]] ? [[m[1], material[m[2]]]] : [];
      }),
    );
    // prometheus.tcp.ip: three nodes share this loopback, each binds the plugin's local listener on its own alias.
    const remapped = remapLines(generated, { 'listeners.ssl.default': `${alias}:${RABBITMQ_TLS_PORTS.amqp}`, 'prometheus.tcp.ip': alias, load_definitions: join(this.#o.project, 'config/rabbitmq/definitions.json'), ...files }, ' = ');
    return `${remapped}\n# Added by the test harness: a container binds these on every interface.\nmanagement.ssl.ip = ${alias}\nprometheus.ssl.ip = ${alias}\n`;
  }

  #node(service: string): ClusterNode {
    const dir = join(this.#o.home, service);
    const data = join(dir, 'data');
    const conf = join(dir, 'rabbitmq.conf');
    mkdirSync(data, { recursive: true });
    writeFileSync(conf, this.#conf(service));
    const [a, b, c, d] = addressOf(service).split('.');
    const env = {
      ...this.#o.env,
      PATH: `${this.#bin}:${RABBITMQ_BIN}:/usr/sbin:/usr/bin:/sbin:/bin`,
      HOME: data,
      RABBITMQ_DATA_DIR: data,
      RABBITMQ_NODENAME: `rabbit@${service}`,
      RABBITMQ_CONFIG_FILE: conf,
      RABBITMQ_CONF_ENV_FILE: join(dir, 'no-rabbitmq-env.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.#o.project, 'config/rabbitmq/enabled_plugins'),
      RABBITMQ_MNESIA_BASE: data,
      RABBITMQ_LOG_BASE: dir,
      RABBITMQ_LOGS: '-',
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: `-sname rabbit@${service} -dist_listen true -kernel inet_dist_use_interface {${a},${b},${c},${d}}`,
      ERL_ZFLAGS: NO_EPMD,
    };
    const argv = ['bash', join(this.#o.project, 'config/rabbitmq/entrypoint.sh'), 'rabbitmq-server'];
    return new ClusterNode(service, () => ({ ...inRoot(argv, env, [this.#o.home, this.#o.project]), env: process.env }), join(dir, 'rabbitmq.log'), RABBITMQ_TLS_PORTS.amqp);
  }

  node(service: string): ClusterNode {
    const n = this.nodes.find((x) => x.service === service);
    if (!n) throw new Error(`no node ${service}`);
    return n;
  }

  /** Runs a command in the Debian root with the CLI's environment (the cookie in a HOME of its own, no epmd). */
  run(argv: readonly string[], env: Readonly<Record<string, string>> = {}, timeoutMs = 120_000): Promise<RunResult> {
    const home = join(this.#o.home, 'cli-home');
    writeFile(join(home, '.erlang.cookie'), this.#o.cookie, 0o600);
    const { command, args } = inRoot(argv, { HOME: home, ERL_ZFLAGS: NO_EPMD, ...env }, [this.#o.home, this.#o.project]);
    return runCommand(command, args, { timeoutMs });
  }

  /** rabbitmqctl & co. against one node; throws with the output when the tool fails. */
  async ctl(tool: 'rabbitmqctl' | 'rabbitmq-queues' | 'rabbitmq-diagnostics', service: string, args: readonly string[]): Promise<string> {
    const r = await this.run([tool, '--node', `rabbit@${service}`, ...args]);
    if (r.code !== 0) throw new Error(`${tool} ${args.join(' ')} on ${service} failed (${r.code}):\n${r.output}`);
    return r.stdout;
  }
}

/**
 * compose's published ports: `127.0.0.1:<host port>` forwards to `<service>:<port>`. A connection
 * to a node that is down is accepted and closed at once, as docker-proxy does.
 */
export async function publishPorts(routes: readonly { hostPort: number; service: string; port: number }[]): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const servers = await Promise.all(
    routes.map(
      (route) =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer((client) => {
            const upstream = net.connect({ host: addressOf(route.service), port: route.port });
            const end = () => {
              client.destroy();
              upstream.destroy();
              sockets.delete(client);
              sockets.delete(upstream);
            };
            sockets.add(client).add(upstream);
            client.on('error', end).on('close', end);
            upstream.on('error', end).on('close', end);
            client.pipe(upstream);
            upstream.pipe(client);
          });
          server.once('error', reject);
          server.listen(route.hostPort, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  return {
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
