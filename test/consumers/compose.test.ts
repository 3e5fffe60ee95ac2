/**
 * Every generated compose file judged by the real Compose CLI (v5.6.0 built from its Go module,
 * scripts/tools): `config -q`, the full `config`, and `--profile '*' config` (every optional
 * service too) on every scenario × profile project, with the generated .env in place. Any error
 * or any line on stderr (compose's warnings: an unset variable, an obsolete key, …) fails.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, inject, it } from 'vitest';
import { runCommand } from '../support/cli.ts';
import { PROJECT_CASES, projectDir } from './support/projects.ts';

const compose = inject('tools')['docker-compose'];
if (!compose) throw new Error('globalSetup gave no docker-compose');

const COMMANDS: readonly [label: string, args: readonly string[]][] = [
  ['config -q', ['config', '-q']],
  ['config', ['config']],
  ["--profile '*' config", ['--profile', '*', 'config']],
];

describe.each(PROJECT_CASES.map((c) => c.id))('docker compose on %s', (id) => {
  const dir = projectDir(id);

  it.each(COMMANDS)('%s: exit 0, nothing on stderr', async (_label, args) => {
    const r = await runCommand(compose, args, { cwd: dir, timeoutMs: 60_000 });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('the resolved model keeps every service of compose.yaml, and every optional one under --profile *', async () => {
    const declared = Object.keys((parse(readFileSync(join(dir, 'compose.yaml'), 'utf8')) as { services: Record<string, unknown> }).services).sort();
    const all = await runCommand(compose, ['--profile', '*', 'config', '--services'], { cwd: dir, timeoutMs: 60_000 });
    expect(all.code).toBe(0);
    expect(all.stdout.trim().split('\n').sort()).toEqual(declared);
  });
});
