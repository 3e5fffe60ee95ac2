/**
 * .env as the real docker compose CLI (pins.json) reads it: every value brokerplate writes comes
 * back unchanged, brokerplate's reader agrees with compose wherever it calls a value portable, and
 * `cp .env.example .env && brokerplate` leaves a .env compose accepts for the generated stack.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv as nodeParseEnv } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { envLine, readEnv } from '../../generators/emit/env.ts';
import { runBin, tempDir } from '../support/cli.ts';
import { AWKWARD_VALUES } from '../support/env-values.ts';

const compose = inject('tools')['docker-compose'];

function composeRun(dir: string, args: readonly string[]) {
  if (!compose) throw new Error('globalSetup gave no docker-compose');
  // A clean environment: compose lets the process environment override .env.
  return spawnSync(compose, args, { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir } });
}

/** The values compose interpolates for `keys`, read back from `docker compose config --format json`. */
function composeValues(envText: string, keys: readonly string[]): Record<string, string> {
  const dir = tempDir('brokerplate-dotenv-');
  writeFileSync(join(dir, '.env'), envText);
  const environment = Object.fromEntries(keys.map((k) => [k, `\${${k}}`]));
  writeFileSync(join(dir, 'compose.yaml'), JSON.stringify({ services: { probe: { image: 'busybox', environment } } }));
  const r = composeRun(dir, ['config', '--format', 'json']);
  if (r.status !== 0) throw new Error(`docker compose config failed:\n${r.stderr}`);
  const env = (JSON.parse(r.stdout) as { services: { probe: { environment: Record<string, string> } } }).services.probe.environment;
  // compose escapes a literal $ as $$ in the configuration it prints.
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replaceAll('$$', '$')]));
}

describe('docker compose reads back what brokerplate writes', () => {
  it('every awkward value, as Node does', () => {
    const keys = AWKWARD_VALUES.map((_v, i) => `V${i}`);
    const text = `${AWKWARD_VALUES.map((v, i) => envLine(`V${i}`, v)).join('\n')}\n`;
    const expected = Object.fromEntries(AWKWARD_VALUES.map((v, i) => [`V${i}`, v]));
    expect(composeValues(text, keys)).toEqual(expected);
    expect(nodeParseEnv(text)).toEqual(expected);
  });

  it('brokerplate\'s reader agrees with compose on every line it calls portable, and Node disagrees on the others', () => {
    const lines = [
      "A='abc$def #x'",
      'B="it\'s #1"',
      'C=plain # comment',
      'D=abc$def #x',
      'E="x\\"y"',
      "F='x\\'y'",
      'G=abc#def',
      'H="a\\nb"',
      'K="a\\tb"',
      'export I=exported',
      'J = spaced ',
    ];
    const text = `${lines.join('\n')}\n`;
    const entries = readEnv(text);
    const fromCompose = composeValues(text, entries.map((e) => e.key));
    const fromNode = nodeParseEnv(text);
    const verdicts = entries.map((e) => [e.key, e.portable, e.portable ? e.value === fromCompose[e.key] && e.value === fromNode[e.key] : fromCompose[e.key] !== fromNode[e.key]]);
    expect(verdicts).toEqual([
      ['A', true, true],
      ['B', true, true],
      ['C', true, true],
      ['D', false, true],
      ['E', false, true],
      ['F', false, true],
      ['G', false, true],
      ['H', true, true],
      ['K', false, true],
      ['I', true, true],
      ['J', true, true],
    ]);
  });
});

describe('a generated project\'s .env', () => {
  it('`cp .env.example .env && brokerplate` fills in every password the bare example leaves empty, and compose reads the result', async () => {
    const dir = join(tempDir('brokerplate-dotenv-'), 'shop');
    mkdirSync(dir);
    const first = await runBin([dir, '--scenario', 'hybrid', '--profile', 'prod', '--yes']);
    expect(first.code, first.stderr).toBe(0);
    copyFileSync(join(dir, '.env.example'), join(dir, '.env'));
    // Every password reaches its container as a compose secret file (no interpolation), so compose itself accepts the
    // bare example; the containers' entrypoints refuse an empty password file at start (their own tests).
    const bare = readFileSync(join(dir, '.env'), 'utf8');
    expect(bare).toMatch(/^KAFKA_SASL_PASSWORD=$/m);
    const again = await runBin([dir], { openStdin: true });
    expect(again.code, again.stderr).toBe(0);
    const generated = /^\.env: generated ((?:[A-Z_]+, )*[A-Z_]+) \(missing or empty\)$/m.exec(again.stdout);
    expect(generated, again.stdout).not.toBeNull();
    const names = (generated?.[1] ?? '').split(', ');
    for (const name of ['KAFKA_SASL_PASSWORD', 'RABBITMQ_PASSWORD', 'REDIS_PASSWORD', 'GRAFANA_ADMIN_PASSWORD']) {
      expect(names).toContain(name);
    }
    const ok = composeRun(dir, ['config', '--quiet']);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
  });
});
