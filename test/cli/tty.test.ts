import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../generators/stack/index.ts';
import { BIN, ROOT, runCommand, tempDir } from '../support/cli.ts';

const DOWN = '\u001b[B';

describe('a user at a terminal (a real pseudo-terminal, driven by test/support/terminal.py)', () => {
  it('answers the bundled bin\'s prompts with the keyboard', async () => {
    const dir = join(tempDir(), 'jobs');
    const steps = [
      ['Which scenario fits your use?', `${DOWN}${DOWN}\r`], // third row: Background job processing
      ['Brokers (the guide recommends RabbitMQ)', '\r'],
      ['Profile?', `${DOWN}\r`],
      ['Deployment targets?', '\r'],
      ['Project name?', 'jobs-app\r'],
    ];
    const result = await runCommand('python3', [join(ROOT, 'test/support/terminal.py'), JSON.stringify(steps), process.execPath, BIN, dir], { timeoutMs: 60_000 });
    expect(result.code, result.stdout).toBe(0);
    const spec = loadSpec(readFileSync(join(dir, 'brokerplate.yaml'), 'utf8'));
    expect(spec.ok && [spec.spec.scenario, Object.keys(spec.spec.brokers), spec.spec.profile, spec.spec.targets, spec.spec.name]).toEqual([
      'background-jobs', ['rabbitmq'], 'prod', ['compose', 'k8s'], 'jobs-app',
    ]);
  });

  it('re-asks an answer that is refused where it is typed (no broker ticked, an invalid project name) instead of ending the run', async () => {
    const dir = join(tempDir(), 'jobs');
    const steps = [
      ['Which scenario fits your use?', `${DOWN}${DOWN}\r`],
      ['Brokers (the guide recommends RabbitMQ)', `${DOWN} \r`], // untick RabbitMQ: nothing left
      ['Pick at least one broker', ' \r'], // asked again: tick it back
      ['Profile?', '\r'],
      ['Deployment targets?', ' \r'], // untick docker compose: Kubernetes stays
      ['Project name?', 'My_Jobs\r'],
      ['"My_Jobs" must be a Kubernetes DNS-1123 label', `${'\u007f'.repeat(7)}jobs-app\r`],
    ];
    const result = await runCommand('python3', [join(ROOT, 'test/support/terminal.py'), JSON.stringify(steps), process.execPath, BIN, dir], { timeoutMs: 60_000 });
    expect(result.code, result.stdout).toBe(0);
    const spec = loadSpec(readFileSync(join(dir, 'brokerplate.yaml'), 'utf8'));
    expect(spec.ok && [Object.keys(spec.spec.brokers), spec.spec.targets, spec.spec.name]).toEqual([['rabbitmq'], ['k8s'], 'jobs-app']);
  });

  it('asks about each hand-edited file on a re-run before writing anything, and keeps or replaces it as told', async () => {
    const dir = join(tempDir(), 'shop');
    const first = await runCommand(process.execPath, [BIN, dir, '--scenario', 'rpc', '--yes']);
    expect(first.code).toBe(0);
    appendFileSync(join(dir, 'README.md'), '\nmy notes\n');
    appendFileSync(join(dir, 'compose.yaml'), '\n# mine\n');
    const steps = [
      ['README.md: edited by hand since brokerplate', 'n\r'],
      ['compose.yaml: edited by hand since brokerplate', 'y\r'],
    ];
    const result = await runCommand('python3', [join(ROOT, 'test/support/terminal.py'), JSON.stringify(steps), process.execPath, BIN, dir], { timeoutMs: 60_000 });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/keep +README\.md +\(kept: edited by hand/);
    expect(result.stdout).toMatch(/update +compose\.yaml/);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/my notes\n$/);
    expect(readFileSync(join(dir, 'compose.yaml'), 'utf8')).not.toContain('# mine');
  });
});
