/**
 * A real Kubernetes API server for the consumer checks: etcd and kube-apiserver (scripts/tools, at
 * their pinned versions) on their own loopback address, with a CA and serving certificate made by
 * openssl at start, a static admin token (--token-auth-file, group system:masters) and RBAC. No
 * controllers or kubelet run: objects are admitted, validated and stored, never scheduled.
 * `stop()` ends both processes and deletes the folder.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, type RunResult } from '../../support/cli.ts';

export interface ApiServerTools {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubectl: string;
}

export interface ApiServer {
  readonly kubeconfig: string;
  readonly url: string;
  kubectl(args: readonly string[], options?: { cwd?: string; timeoutMs?: number }): Promise<RunResult>;
  /** The last lines of the API server's log (for a failing assertion's message). */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/** The address and ports this harness uses (its own 127.0.x.y: nothing else in the repo binds it). */
export const ADDRESS = { host: '127.0.20.1', etcdClient: 22379, etcdPeer: 22380, apiserver: 22443 } as const;

function openssl(dir: string, args: readonly string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
}

/** CA, serving certificate for the address, and the service-account signing key pair. */
function makeCerts(dir: string, host: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=brokerplate-test-ca']);
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver']);
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=IP:${host},DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n`);
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext']);
  openssl(dir, ['genrsa', '-out', 'sa.key', '2048']);
  openssl(dir, ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

function startLogged(command: string, args: readonly string[], log: string): ChildProcess {
  const out = openSync(log, 'a');
  const child = spawn(command, args, { stdio: ['ignore', out, out], detached: true });
  child.unref();
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const closed = new Promise((r) => child.once('close', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await closed;
  clearTimeout(timer);
}

const tail = (file: string, n: number) => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
};

export async function startApiServer(tools: ApiServerTools, dir: string): Promise<ApiServer> {
  const { host, etcdClient, etcdPeer, apiserver } = ADDRESS;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  makeCerts(dir, host);
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},brokerplate-admin,brokerplate-admin,"system:masters"\n`, { mode: 0o600 });

  const etcdUrl = `http://${host}:${etcdClient}`;
  const etcd = startLogged(tools.etcd, [
    '--name', 'test', '--data-dir', join(dir, 'etcd'),
    '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
    '--listen-peer-urls', `http://${host}:${etcdPeer}`, '--initial-advertise-peer-urls', `http://${host}:${etcdPeer}`,
    '--initial-cluster', `test=http://${host}:${etcdPeer}`,
  ], join(dir, 'etcd.log'));
  const apiLog = join(dir, 'kube-apiserver.log');
  const api = startLogged(tools.kubeApiserver, [
    `--etcd-servers=${etcdUrl}`,
    `--bind-address=${host}`, `--advertise-address=${host}`, `--secure-port=${apiserver}`,
    `--tls-cert-file=${join(dir, 'server.crt')}`, `--tls-private-key-file=${join(dir, 'server.key')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`, '--authorization-mode=RBAC', '--anonymous-auth=false',
    `--service-account-key-file=${join(dir, 'sa.pub')}`, `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    // Addresses Services are given in etcd only; nothing routes to them.
    '--service-cluster-ip-range=10.96.0.0/16',
    '--endpoint-reconciler-type=none', `--cert-dir=${join(dir, 'certs')}`, '--profiling=false',
  ], apiLog);

  const url = `https://${host}:${apiserver}`;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'test',
    clusters: [{ name: 'test', cluster: { server: url, 'certificate-authority-data': readFileSync(join(dir, 'ca.crt')).toString('base64') } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin' } }],
  }), { mode: 0o600 });

  const kubectl = (args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}) =>
    runCommand(tools.kubectl, ['--kubeconfig', kubeconfig, ...args], { cwd: options.cwd ?? dir, timeoutMs: options.timeoutMs ?? 120_000 });
  const stop = async () => {
    await stopProcess(api);
    await stopProcess(etcd);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    for (const end = Date.now() + 90_000; ; await new Promise((r) => setTimeout(r, 500))) {
      if (api.exitCode !== null) throw new Error(`kube-apiserver exited with ${api.exitCode}:\n${tail(apiLog, 30)}`);
      if (etcd.exitCode !== null) throw new Error(`etcd exited with ${etcd.exitCode}:\n${tail(join(dir, 'etcd.log'), 30)}`);
      const ready = await kubectl(['get', '--raw=/readyz'], { timeoutMs: 10_000 });
      if (ready.code === 0 && ready.stdout.trim() === 'ok') break;
      if (Date.now() > end) throw new Error(`kube-apiserver not ready after 90 s:\n${ready.output}\n${tail(apiLog, 30)}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { kubeconfig, url, kubectl, logTail: (n = 40) => tail(apiLog, n), stop };
}
