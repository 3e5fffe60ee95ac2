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
import { SERVICE_EXCEPTIONS } from '../../generators/emit/compose-hardening.ts';
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

  it('as compose resolves it, every service drops all capabilities, cannot gain privileges, is read-only and non-root (root: the listed exceptions, with only their capabilities)', async () => {
    const r = await runCommand(compose, ['--profile', '*', 'config', '--format', 'json'], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    type Resolved = { user?: string; cap_drop?: string[]; cap_add?: string[]; security_opt?: string[]; read_only?: boolean };
    const services = (JSON.parse(r.stdout) as { services: Record<string, Resolved> }).services;
    expect(Object.keys(services).length).toBeGreaterThan(0);
    for (const [name, s] of Object.entries(services)) {
      const exception = SERVICE_EXCEPTIONS[name];
      expect({ name, cap_drop: s.cap_drop, security_opt: s.security_opt, read_only: s.read_only }).toEqual({ name, cap_drop: ['ALL'], security_opt: ['no-new-privileges:true'], read_only: true });
      expect({ name, root: s.user === undefined || /^(0|root)(:|$)/.test(s.user), cap_add: s.cap_add }).toEqual({ name, root: exception !== undefined, cap_add: exception ? [...exception.capAdd] : undefined });
    }
  });
});
