import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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

describe('yo brokerplate', () => {
  it('runs the same generator as the bin', async () => {
    // yo finds generator-* packages in node_modules next to where it runs.
    const dir = tempDir('brokerplate-yo-');
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'node_modules'));
    mkdirSync(join(dir, 'home'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'generator-brokerplate'));
    // As root, yo drops to uid 1000 (and refuses root outside Docker), so give that user the folder.
    if (process.getuid?.() === 0) for (const p of [dir, join(dir, 'node_modules'), join(dir, 'home')]) chownSync(p, 1000, 1000);
    const yo = join(ROOT, 'node_modules', 'yo', 'lib', 'cli.js');
    const result = await runCommand(process.execPath, [yo, 'brokerplate', 'out', '--scenario', 'rpc', '--profile', 'prod', '--yes'], {
      cwd: dir,
      env: { HOME: join(dir, 'home'), NO_UPDATE_NOTIFIER: '1' },
      timeoutMs: 60_000,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const spec = specIn(join(dir, 'out'));
    expect([spec.scenario, spec.profile, Object.keys(spec.brokers)]).toEqual(['rpc', 'prod', ['rabbitmq']]);
    expect(existsSync(join(dir, 'out', '.env'))).toBe(true);

    expect(statSync(join(dir, 'out', '.env')).mode & 0o777).toBe(0o600);

    // Expected failures are one line, as from the bin: no "An error occured while running", no yo "Error" banner, no stack.
    const yoRun = (args: string[]) => runCommand(process.execPath, [yo, 'brokerplate', ...args], { cwd: dir, env: { HOME: join(dir, 'home'), NO_UPDATE_NOTIFIER: '1' }, timeoutMs: 30_000 });
    const bad = await yoRun(['bad', '--scenario', 'chat', '--yes']);
    expect(bad.code).toBe(1);
    expect(bad.output.trim()).toMatch(/^brokerplate: error: --scenario: unknown scenario "chat" \(choose one of: [^\n]*\)$/);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
    // yo's option parser merges a repeated flag ("kafka,redis"); the generator reads the command line itself.
    const twice = await yoRun(['dup', '--scenario', 'rpc', '--brokers', 'rabbitmq', '--brokers', 'redis', '--yes']);
    expect([twice.code, twice.output.trim()]).toEqual([2, 'brokerplate: error: --brokers: given 2 times (--brokers rabbitmq, --brokers redis); give it once']);
    expect(existsSync(join(dir, 'dup'))).toBe(false);
    const proc = await yoRun(['/proc/self/x', '--scenario', 'rpc', '--yes']);
    expect(proc.timedOut).toBe(false);
    expect([proc.code, proc.output.trim()]).toEqual([1, 'brokerplate: error: /proc/self/x: is inside /proc, a kernel pseudo-filesystem; choose a normal folder']);
    appendFileSync(join(dir, 'out', 'README.md'), '\nmy notes\n');
    const conflict = await yoRun(['out']);
    expect(conflict.code).toBe(1);
    expect(conflict.output.trim()).toMatch(/^brokerplate: error: 1 file changed by hand: README\.md \(edited by hand since brokerplate generated it\): nothing was written;[^\n]*$/);
  });
});
