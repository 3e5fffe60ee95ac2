/**
 * scripts/tools/tools.mjs without building anything: its answers for unknown and uncached tools, its
 * cache look-up (a prepared cache folder), its cross-process lock, and the k8s.io/kubernetes go.mod
 * conversion the kube-apiserver build rests on. The real builds and their versions are checked by
 * test/consumers/tools.test.ts (npm run test:consumers).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubernetesGoMod } from '../../scripts/tools/recipes.mjs';
import { acquire, CACHE } from '../../scripts/tools/tools.mjs';
import { ROOT, runCommand, tempDir } from '../support/cli.ts';

const TOOLS_MJS = join(ROOT, 'scripts', 'tools', 'tools.mjs');
const pins = JSON.parse(readFileSync(join(ROOT, 'pins.json'), 'utf8')) as { tools: Record<string, { version: string }> };

/** The machine's own Node (20 here) when there is one, so the script is also checked on the Node it must support. */
function systemNodes(): string[] {
  const found = spawnSync('sh', ['-c', 'command -v /usr/bin/node /usr/local/bin/node | head -1'], { encoding: 'utf8' }).stdout.trim();
  return [process.execPath, ...(found && found !== process.execPath ? [found] : [])];
}

const tools = (node: string, args: string[], cache: string) =>
  runCommand(node, [TOOLS_MJS, ...args], { env: { BROKERPLATE_TOOLS_DIR: cache } });

describe.each(systemNodes())('tools.mjs on %s', (node) => {
  it('an unknown tool name is one line on stderr and exit 1, before any work', async () => {
    const r = await tools(node, ['ensure', 'etcd', 'no-such-tool'], tempDir('tools-'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^tools: unknown tool "no-such-tool" \(known: .*promtool.*\)$/)]);
  });

  it('path of a tool that is not cached prints nothing and exits 1', async () => {
    const r = await tools(node, ['path', 'promtool'], tempDir('tools-'));
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '', '']);
  });

  it('a cached tool is found without building: ensure prints NAME=path and says nothing', async () => {
    const cache = tempDir('tools-');
    const dir = join(cache, `etcd-${pins.tools.etcd?.version}`);
    mkdirSync(join(dir, 'usr', 'bin'), { recursive: true });
    writeFileSync(join(dir, 'usr', 'bin', 'etcd'), '');
    // Without .installed.json (written last, just before the rename) a folder is not a cached tool.
    expect((await tools(node, ['path', 'etcd'], cache)).code).toBe(1);
    writeFileSync(join(dir, '.installed.json'), '{}');
    const r = await tools(node, ['ensure', 'etcd'], cache);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, `ETCD=${join(dir, 'usr', 'bin', 'etcd')}\n`, '']);
    const p = await tools(node, ['path', 'etcd'], cache);
    expect([p.code, p.stdout]).toEqual([0, `${join(dir, 'usr', 'bin', 'etcd')}\n`]);
  });
});

describe('the install lock', () => {
  const name = `test-lock-${process.pid}`;
  const takeInChild = () =>
    new Promise<number>((resolve, reject) => {
      const code = `import(${JSON.stringify(TOOLS_MJS)}).then(async (m) => { const release = await m.acquire(${JSON.stringify(name)}); console.log(Date.now()); release(); })`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', (status) => (status === 0 ? resolve(Number(out.trim())) : reject(new Error(`child exit ${status}`))));
    });

  it('a second process waits until the holder releases it', async () => {
    const release = await acquire(name);
    const waiter = takeInChild();
    await new Promise((r) => setTimeout(r, 1500));
    const releasedAt = Date.now();
    release();
    expect(await waiter).toBeGreaterThanOrEqual(releasedAt);
  });

  it("a dead holder's lock is taken over at once", async () => {
    const dead = spawnSync('true').pid;
    const release = await acquire(name);
    release();
    const lockDir = join(CACHE, '.locks', `${name}.lock`);
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(join(lockDir, 'pid'), `${dead}\n`);
    const t0 = Date.now();
    (await acquire(name))();
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

describe('kubernetesGoMod (how kube-apiserver and kubectl are built from k8s.io/kubernetes)', () => {
  const upstream = [
    'module k8s.io/kubernetes',
    '',
    'go 1.26.0',
    '',
    'require (',
    '\tgithub.com/spf13/cobra v1.10.2',
    '\tk8s.io/api v0.0.0',
    '\tk8s.io/klog/v2 v2.140.0',
    '\tk8s.io/sample-controller v0.0.0',
    ')',
    '',
    'replace (',
    '\tk8s.io/api => ./staging/src/k8s.io/api',
    '\tk8s.io/sample-cli-plugin => ./staging/src/k8s.io/sample-cli-plugin',
    '\tk8s.io/sample-controller => ./staging/src/k8s.io/sample-controller',
    ')',
  ].join('\n');

  it('requires the published staging modules, drops the sample modules and requires k8s.io/kubernetes itself', () => {
    const mod = kubernetesGoMod(upstream, '1.37.2');
    expect(mod).toContain('module local/kubernetesbuild\n');
    expect(mod).toContain('\tk8s.io/api v0.37.2\n');
    expect(mod).toContain('\tk8s.io/api => k8s.io/api v0.37.2\n');
    expect(mod).toContain('\tk8s.io/klog/v2 v2.140.0\n'); // versioned requirements are kept
    expect(mod).not.toMatch(/sample-|staging|v0\.0\.0/);
    expect(mod.trimEnd().endsWith('require k8s.io/kubernetes v1.37.2')).toBe(true);
  });

  it('refuses a go.mod whose staging lines it does not recognise', () => {
    expect(() => kubernetesGoMod(upstream.replace('\tk8s.io/api => ./staging/src/k8s.io/api', '\tk8s.io/api => ./staging/src/k8s.io/api // moved'), '1.37.2')).toThrow(/unconverted/);
  });
});
