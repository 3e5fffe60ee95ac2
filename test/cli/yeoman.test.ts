import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import helpers from 'yeoman-test';
import BrokerplateGenerator from '../../generators/app/generator.ts';
import { loadSpec } from '../../generators/stack/index.ts';
import { ROOT, runCommand, tempDir } from '../support/cli.ts';

// The generator's own --interactive switch; yeoman-test's option type does not know it.
const INTERACTIVE: object = { interactive: true };

function specIn(dir: string) {
  const result = loadSpec(readFileSync(join(dir, 'brokerplate.yaml'), 'utf8'));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.spec;
}

describe('prompts (yeoman-test answers the questions)', () => {
  it('walks the flowchart when the user is not sure, then asks the rest', async () => {
    const result = await helpers
      .run(BrokerplateGenerator, { namespace: 'brokerplate:app' })
      .withOptions(INTERACTIVE)
      .withAnswers({ scenario: '__flowchart__', replay: false, complexRouting: true, brokers: ['rabbitmq'], profile: 'prod', targets: ['compose'], name: 'routing' });
    const spec = specIn(result.cwd);
    expect(spec.scenario).toBe('complex-routing');
    expect(spec.decision.flowchart).toEqual({ replay: false, complexRouting: true });
    expect([spec.profile, spec.targets, spec.name, Object.keys(spec.brokers)]).toEqual(['prod', ['compose'], 'routing', ['rabbitmq']]);
    expect(spec.decision.overridden).toBe(false);
  });

  it('asks the scale question for microservices and records a changed broker choice as an override', async () => {
    const result = await helpers
      .run(BrokerplateGenerator, { namespace: 'brokerplate:app' })
      .withOptions(INTERACTIVE)
      .withAnswers({ scenario: 'microservices', scale: 'high', brokers: ['kafka', 'redis'], profile: 'dev', targets: ['compose', 'k8s'], name: 'svc' });
    const spec = specIn(result.cwd);
    expect(spec.decision).toEqual({ scale: 'high', overridden: true });
    expect(Object.keys(spec.brokers)).toEqual(['kafka', 'redis']);
  });
});

/** The version of yo package-lock.json pins (the devDependency), so the test never floats. */
function lockedYo(): string {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string } | undefined> };
  const version = lock.packages['node_modules/yo']?.version;
  if (!version) throw new Error('package-lock.json has no node_modules/yo');
  return version;
}

describe('yo brokerplate, installed as the README says', () => {
  // npm pack, then `npm install -g` of the tarball and yo into a scratch prefix: the package as the
  // registry would serve it, found by yo the way users' yo finds it (no link into node_modules).
  const scratch = tempDir('brokerplate-yo-');
  const prefix = join(scratch, 'prefix');
  const work = join(scratch, 'work');
  const home = join(scratch, 'home');
  // yo runs on `node` from PATH: the Node 24 of this repo (system Node 20 is too old for the generator).
  const env = { PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: home, NO_UPDATE_NOTIFIER: '1', npm_config_update_notifier: 'false' };
  const yo = (args: string[]) => runCommand(join(prefix, 'bin', 'yo'), args, { cwd: work, env, timeoutMs: 120_000 });

  beforeAll(async () => {
    // --ignore-scripts: pack the dist/ that `npm test` built, without rebuilding it under the other test files' feet.
    const pack = await runCommand('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch, '--loglevel=error'], { cwd: ROOT, timeoutMs: 120_000 });
    expect(pack.code, pack.output).toBe(0);
    const tarball = join(scratch, pack.stdout.trim().split('\n').pop() ?? '');
    const install = await runCommand('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `yo@${lockedYo()}`, tarball], { cwd: scratch, timeoutMs: 300_000 });
    expect(install.code, install.output).toBe(0);
    for (const dir of [work, home]) mkdirSync(dir);
    // As root, yo switches to uid 1000 (and refuses root outside a container): as the README says,
    // that user gets the output folder and a HOME; everything else only needs to be readable.
    chmodSync(scratch, 0o755);
    if (process.getuid?.() === 0) for (const dir of [work, home]) chownSync(dir, 1000, 1000);
  }, 420_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('generates the project from the packed tarball', async () => {
    const result = await yo(['brokerplate', 'out', '--scenario', 'rpc', '--profile', 'prod', '--yes']);
    expect(result.code, result.output).toBe(0);
    const spec = specIn(join(work, 'out'));
    expect([spec.scenario, spec.profile, Object.keys(spec.brokers)]).toEqual(['rpc', 'prod', ['rabbitmq']]);
    for (const f of ['.env', 'README.md', 'package.json', 'compose.yaml', 'scripts/require-node.mjs', 'src/messaging/index.ts', 'infra/index.ts']) expect(existsSync(join(work, 'out', f)), f).toBe(true);
    if (process.getuid?.() === 0) expect(statSync(join(work, 'out', 'package.json')).uid).toBe(1000);
    expect(statSync(join(work, 'out', '.env')).mode & 0o777).toBe(0o600);
  });

  it('ends an expected failure with the bin\'s one line: no "An error occured while running", no yo "Error" banner, no stack', async () => {
    const bad = await yo(['brokerplate', 'bad', '--scenario', 'chat', '--yes']);
    expect(bad.code).toBe(1);
    expect(bad.output.trim()).toMatch(/^brokerplate: error: --scenario: unknown scenario "chat" \(choose one of: [^\n]*\)$/);
    expect(existsSync(join(work, 'bad'))).toBe(false);
    // yo's option parser merges a repeated flag ("kafka,redis"); the generator reads the command line itself.
    const twice = await yo(['brokerplate', 'dup', '--scenario', 'rpc', '--brokers', 'rabbitmq', '--brokers', 'redis', '--yes']);
    expect([twice.code, twice.output.trim()]).toEqual([2, 'brokerplate: error: --brokers: given 2 times (--brokers rabbitmq, --brokers redis); give it once']);
    expect(existsSync(join(work, 'dup'))).toBe(false);
    const proc = await yo(['brokerplate', '/proc/self/x', '--scenario', 'rpc', '--yes']);
    expect(proc.timedOut).toBe(false);
    expect([proc.code, proc.output.trim()]).toEqual([1, 'brokerplate: error: /proc/self/x: is inside /proc, a kernel pseudo-filesystem; choose a normal folder']);
    appendFileSync(join(work, 'out', 'README.md'), '\nmy notes\n');
    const conflict = await yo(['brokerplate', 'out']);
    expect(conflict.code).toBe(1);
    expect(conflict.output.trim()).toMatch(/^brokerplate: error: 1 file changed by hand: README\.md \(edited by hand since brokerplate generated it\): nothing was written;[^\n]*$/);
  });
});
