/**
 * The tools of scripts/tools as built or fetched: each reports the version pins.json names, a
 * second `ensure` is a no-op (same paths, nothing built, also on the system Node 20), and the
 * Debian 13 root runs its brokers at the pinned package versions.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { JMX_EXPORTER } from '../../generators/brokers/kafka/monitoring.ts';
import { inTrixie } from '../../scripts/tools/recipes.mjs';
import { RABBITMQ_PLUGINS, RABBITMQ_PLUGINS_IMAGE_ONLY } from '../../generators/versions/rabbitmq-plugins.ts';
import { TOOLS, varName } from '../../scripts/tools/tools.mjs';
import { ROOT, runCommand } from '../support/cli.ts';

interface Pin {
  version: string;
  packages?: Record<string, string>;
}
const pins = (JSON.parse(readFileSync(join(ROOT, 'pins.json'), 'utf8')) as { tools: Record<string, Pin> }).tools;
const pin = (unit: string): Pin => {
  const p = pins[unit];
  if (!p) throw new Error(`pins.json has no tools.${unit}`);
  return p;
};
const tools = inject('tools');
const TOOLS_MJS = join(ROOT, 'scripts', 'tools', 'tools.mjs');

function output(command: string, args: readonly string[], env: Record<string, string> = {}): string {
  const r = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return `${r.stdout}${r.stderr}`;
}
const path = (tool: string): string => {
  const p = tools[tool];
  if (!p) throw new Error(`globalSetup gave no path for ${tool}`);
  return p;
};

describe('each tool reports the version pins.json names', () => {
  const cases: [tool: string, args: string[], expected: () => RegExp][] = [
    ['docker-compose', ['version'], () => new RegExp(`^Docker Compose version v${pin('docker-compose').version}$`, 'm')],
    ['kube-apiserver', ['--version'], () => new RegExp(`^Kubernetes v${pin('kube-apiserver').version}$`, 'm')],
    ['kubectl', ['version', '--client'], () => new RegExp(`^Client Version: v${pin('kubectl').version}$`, 'm')],
    ['etcd', ['--version'], () => new RegExp(`^etcd Version: ${pin('etcd').version}$`, 'm')],
    ['prometheus', ['--version'], () => new RegExp(`^prometheus, version ${pin('prometheus').version} `, 'm')],
    ['promtool', ['--version'], () => new RegExp(`^promtool, version ${pin('prometheus').version} `, 'm')],
    ['alertmanager', ['--version'], () => new RegExp(`^alertmanager, version ${pin('alertmanager').version} `, 'm')],
    ['amtool', ['--version'], () => new RegExp(`^amtool, version ${pin('alertmanager').version} `, 'm')],
    ['pushgateway', ['--version'], () => new RegExp(`^pushgateway, version ${pin('pushgateway').version} `, 'm')],
  ];
  it.each(cases)('%s', (tool, args, expected) => {
    expect(output(path(tool), args)).toMatch(expected());
  });

  it.skipIf(spawnSync('sh', ['-c', 'command -v docker']).status !== 0)('the docker CLI runs the compose plugin as `docker compose` with DOCKER_CONFIG', () => {
    const dockerConfig = join(path('docker-compose'), '..', '..');
    expect(output('docker', ['compose', 'version'], { DOCKER_CONFIG: dockerConfig })).toMatch(new RegExp(`Docker Compose version v${pin('docker-compose').version}`));
  });

  it('the JMX exporter agent is the version and the sha256 the generated Kafka checks', () => {
    const jar = readFileSync(path('jmx-javaagent'));
    expect(pin('jmx-javaagent').version).toBe(JMX_EXPORTER.version);
    expect(createHash('sha256').update(jar).digest('hex')).toBe(JMX_EXPORTER.sha256);
    expect(output('unzip', ['-p', path('jmx-javaagent'), 'META-INF/MANIFEST.MF'])).toMatch(new RegExp(`^Implementation-Version: ${JMX_EXPORTER.version}\\r?$`, 'm'));
  });
});

describe('ensure when everything is cached', () => {
  const all = Object.keys(TOOLS);
  const expected = all.map((t) => `${varName(t)}=${path(t)}\n`).join('');
  const systemNode = spawnSync('sh', ['-c', 'command -v /usr/bin/node'], { encoding: 'utf8' }).stdout.trim();
  it.each([process.execPath, ...(systemNode ? [systemNode] : [])])('is a no-op on %s: the same paths, nothing built or logged', async (node) => {
    const t0 = Date.now();
    const r = await runCommand(node, [TOOLS_MJS, 'ensure', ...all]);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, expected, '']);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('the Debian 13 root', () => {
  const root = path('debian-trixie');
  const inRoot = (...argv: string[]) => {
    const { command, args } = inTrixie(root, argv);
    return output(command, args);
  };

  it('holds the package versions pins.json names', () => {
    const packages = pin('debian-trixie').packages ?? {};
    const listed = inRoot('dpkg-query', '-W', '-f', '${Package} ${Version}\\n', ...Object.keys(packages));
    expect(Object.fromEntries(listed.trim().split('\n').map((l) => l.split(' ')))).toEqual(packages);
  });

  it('ships exactly the RabbitMQ plugins brokerplate.yaml accepts (less those new in the pinned 4.1+ image)', () => {
    const listed = inRoot('rabbitmq-plugins', 'list', '-m').split('\n').filter((l) => /^rabbitmq_/.test(l)).sort();
    expect(listed).toEqual(RABBITMQ_PLUGINS.filter((p) => !RABBITMQ_PLUGINS_IMAGE_ONLY.includes(p)).sort());
  });

  it('redis-server and redis_exporter report their versions', () => {
    const upstream = (p: string) => (pin('debian-trixie').packages?.[p] ?? '').replace(/^\d+:/, '').replace(/-.*$/, '');
    expect(inRoot('redis-server', '--version')).toMatch(new RegExp(`^Redis server v=${upstream('redis-server')} `));
    expect(inRoot('prometheus-redis-exporter', '--version')).toContain(`Redis Metrics Exporter ${upstream('prometheus-redis-exporter')}`);
  });

  it('RabbitMQ starts in it and reports its version; the /proc mount goes away with it', async () => {
    const version = (pin('debian-trixie').packages?.['rabbitmq-server'] ?? '').replace(/-.*$/, '');
    const base = `/var/tmp/tools-test-${process.pid}`;
    rmSync(join(root, base), { recursive: true, force: true });
    mkdirSync(join(root, base, 'mnesia'), { recursive: true });
    mkdirSync(join(root, base, 'log'));
    writeFileSync(join(root, base, 'enabled_plugins'), '[].\n');
    writeFileSync(join(root, base, 'rabbitmq.conf'), 'listeners.tcp.default = 127.0.0.1:35672\n');
    inRoot('chown', '-R', 'rabbitmq:rabbitmq', base);
    const env = {
      ...process.env,
      HOME: '/var/lib/rabbitmq',
      RABBITMQ_NODENAME: 'toolstest@localhost',
      RABBITMQ_DIST_PORT: '35673',
      ERL_EPMD_PORT: '34369',
      RABBITMQ_MNESIA_BASE: `${base}/mnesia`,
      RABBITMQ_LOG_BASE: `${base}/log`,
      RABBITMQ_ENABLED_PLUGINS_FILE: `${base}/enabled_plugins`,
      RABBITMQ_CONFIG_FILE: `${base}/rabbitmq.conf`,
    };
    // Our own epmd in the foreground, so that no epmd daemon outlives the test; both run in process
    // groups of their own (detached), which a signal to the group stops whole.
    const started = (argv: string[], options: { user?: string; env?: NodeJS.ProcessEnv } = {}) => {
      const line = inTrixie(root, argv, options.user ? { user: options.user } : {});
      return spawn(line.command, line.args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    };
    const stop = async (child: ChildProcess) => {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
      const closed = new Promise((r) => child.once('close', r));
      process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 15_000);
      await closed;
      clearTimeout(timer);
    };
    const epmd = started(['epmd', '-port', '34369', '-address', '127.0.0.1']);
    const server = started(['/usr/lib/rabbitmq/bin/rabbitmq-server'], { user: 'rabbitmq', env });
    let log = '';
    server.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    server.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    try {
      for (const end = Date.now() + 60_000; !/Starting broker\.\.\. completed/.test(log) && Date.now() < end && server.exitCode === null; ) {
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(log).toMatch(new RegExp(`RabbitMQ ${version.replaceAll('.', '\\.')}\\b`));
      expect(log).toMatch(/Starting broker\.\.\. completed/);
    } finally {
      await stop(server);
      await stop(epmd);
      rmSync(join(root, base), { recursive: true, force: true });
    }
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(root);
  });
});
