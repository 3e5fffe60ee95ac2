#!/usr/bin/env node
// Runs a command inside a private network namespace whose /etc/hosts resolves the prod clusters'
// compose service names (kafka-1, rabbitmq-2, redis-sentinel-3, ...) to loopback aliases
// (test/clusters/hosts.json), so the generated configs keep their host names, ports and TLS names.
// Nothing global changes: `ip netns exec` bind-mounts /etc/netns/<ns>/hosts over /etc/hosts for the
// command only, in a mount namespace of its own; the namespace and that file are removed afterwards.
//
//   node scripts/clusters/in-netns.mjs <command> [args...]      (needs root: ip netns)
//
// The namespace has no outside network: fetch what the command needs (Kafka jars, the Debian 13
// broker root) before, which this script does through scripts/brokers and scripts/tools when present.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fail = (message) => {
  console.error(`in-netns: ${message}`);
  process.exit(1);
};
const [command, ...args] = process.argv.slice(2);
if (!command) fail('usage: node scripts/clusters/in-netns.mjs <command> [args...]');
if (process.getuid?.() !== 0) fail('needs root (it creates a network namespace with ip netns); run it as root');
if (spawnSync('ip', ['-V']).error) fail('needs the ip command: run apt-get install -y iproute2');

// Downloads first: the namespace cannot reach the registries.
const prefetch = [
  [join(ROOT, 'scripts', 'brokers', 'brokers.mjs'), ['install', 'kafka']],
  [join(ROOT, 'scripts', 'tools', 'tools.mjs'), ['ensure', 'debian-trixie']],
];
for (const [script, scriptArgs] of prefetch) {
  if (!fs.existsSync(script)) continue;
  const r = spawnSync(process.execPath, [script, ...scriptArgs], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) fail(`${script.slice(ROOT.length + 1)} ${scriptArgs.join(' ')} failed (exit ${r.status})`);
}

const ns = `bp-clusters-${process.pid}`;
const etc = join('/etc/netns', ns);
const hosts = JSON.parse(fs.readFileSync(join(ROOT, 'test', 'clusters', 'hosts.json'), 'utf8'));
const lines = ['127.0.0.1 localhost', '::1 localhost', ...Object.entries(hosts).filter(([name]) => !name.startsWith('$')).map(([name, ip]) => `${ip} ${name}`)];

const ip = (...a) => spawnSync('ip', a, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
// Whatever a crashed test left running in the namespace goes with it.
const cleanup = () => {
  const pids = ip('netns', 'pids', ns).stdout?.split('\n').filter(Boolean) ?? [];
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {}
  }
  ip('netns', 'del', ns);
  fs.rmSync(etc, { recursive: true, force: true });
};
fs.mkdirSync(etc, { recursive: true });
fs.writeFileSync(join(etc, 'hosts'), `${lines.join('\n')}\n`);
const added = ip('netns', 'add', ns);
if (added.status !== 0) {
  cleanup();
  fail(`ip netns add ${ns} failed: ${added.stderr.trim()}`);
}
ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');

const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { stdio: 'inherit', env: { ...process.env, BROKERPLATE_CLUSTER_NETNS: ns } });
const forward = (signal) => () => child.kill(signal);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward(signal));
child.on('error', (error) => {
  cleanup();
  fail(`could not run ${command}: ${error.message}`);
});
child.on('exit', (code, signal) => {
  cleanup();
  process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
});
