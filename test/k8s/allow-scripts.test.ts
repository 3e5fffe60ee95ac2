/**
 * The generated infra/package.json under npm 11's install-script policy, judged by npm itself
 * (the npm that runs this suite, 11.16+): after installing the generated dependencies without
 * running anything (`npm install --ignore-scripts --prefer-offline`: the npm cache serves what the
 * repo installed; ~50 s cold), `npm approve-scripts --allow-scripts-pending` (which reads the
 * installed tree) finds no unreviewed install script: @pulumi/kubernetes' (its provider plugin)
 * is approved (by name: its version is pinned in dependencies), protobufjs' postinstall denied. With the field removed from
 * package.json the same npm over the same tree lists both, so the check bites. Also:
 * `infra/rendered/` (the render output) is git-ignored.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { emitProject } from '../../generators/emit/index.ts';
import { INFRA_NPM_VERSIONS } from '../../generators/versions/infra.ts';
import { ROOT } from '../support/cli.ts';
import { opsSpec, writeFiles } from '../support/ops.ts';

const DIR = join(ROOT, 'test', '.work', 'allow-scripts');

function npm(cwd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 300_000, env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

let generated: { status: number | null; out: string };
let withoutField: { status: number | null; out: string };

beforeAll(() => {
  rmSync(DIR, { recursive: true, force: true });
  writeFiles(DIR, emitProject(opsSpec('hybrid', 'prod')).filter((f) => f.path === 'infra/package.json' || f.path === '.gitignore'));
  const infra = join(DIR, 'infra');
  const install = npm(infra, ['install', '--ignore-scripts', '--prefer-offline']);
  if (install.status !== 0) throw new Error(`npm install --ignore-scripts: ${install.out}`);
  generated = npm(infra, ['approve-scripts', '--allow-scripts-pending']);
  const file = join(infra, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete pkg.allowScripts;
  writeFileSync(file, JSON.stringify(pkg, null, 2));
  withoutField = npm(infra, ['approve-scripts', '--allow-scripts-pending']);
}, 600_000);

describe('generated infra/package.json and npm 11 allowScripts (real npm)', () => {
  it('npm finds no unreviewed install script; without allowScripts it lists @pulumi/kubernetes and protobufjs', () => {
    const version = npm(DIR, ['--version']).out.trim();
    const [major = 0, minor = 0] = version.split('.').map(Number);
    expect(major > 11 || (major === 11 && minor >= 16), `npm ${version} has allowScripts (11.16+)`).toBe(true);
    expect(generated.status, generated.out).toBe(0);
    expect(generated.out).toMatch(/No packages with unreviewed install scripts/);
    expect(withoutField.out).toContain(`@pulumi/kubernetes@${INFRA_NPM_VERSIONS['@pulumi/kubernetes']}`);
    expect(withoutField.out).toContain('protobufjs@');
  });

  it('infra/rendered/ is git-ignored, the program is not', () => {
    expect(spawnSync('git', ['init', '-q'], { cwd: DIR }).status).toBe(0);
    const ignored = spawnSync('git', ['check-ignore', '-v', 'infra/rendered/prod/apps-v1-StatefulSet-kafka.yaml'], { cwd: DIR, encoding: 'utf8' });
    expect(ignored.status, ignored.stdout + ignored.stderr).toBe(0);
    expect(ignored.stdout).toMatch(/^\.gitignore:\d+:infra\/rendered\//);
    expect(spawnSync('git', ['check-ignore', '-q', 'infra/index.ts'], { cwd: DIR }).status).toBe(1);
  });
});
