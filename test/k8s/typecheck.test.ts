/**
 * `tsc --noEmit` over the generated infra/ of every scenario, against the declared dependencies
 * (@pulumi/pulumi, @pulumi/kubernetes, yaml, @types/node, resolved from the repo's node_modules
 * at the versions infra/package.json pins; see emit.test.ts). Loading @pulumi/kubernetes' types
 * dominates tsc's time, so one tsc run checks all scenarios (a tsconfig extending the generated
 * one), plus a control copy with two planted errors that must be the only diagnostics. The
 * hybrid project is also checked alone with its own tsconfig, as `npm run typecheck` would.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCENARIO_IDS } from '../../generators/guide/index.ts';
import { ROOT } from '../support/cli.ts';
import { NODE, run, specFor, WORK, writeProject } from './support/project.ts';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const DIR = join(WORK, 'tsc');

function plant(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}`);
  writeFileSync(file, text.replace(from, to));
}

let combined: { code: number | null; stdout: string; ms: number };

beforeAll(async () => {
  rmSync(DIR, { recursive: true, force: true });
  for (const scenario of SCENARIO_IDS) writeProject(`tsc/${scenario}`, specFor(scenario, 'prod'));
  const control = join(DIR, 'control', 'infra');
  cpSync(join(DIR, 'hybrid', 'infra'), control, { recursive: true });
  plant(join(control, 'components/kafka.ts'), "readinessProbe: tcpProbe('kafka', 10, 3),", "readinesProbe: tcpProbe('kafka', 10, 3),");
  plant(join(control, 'settings/redis.ts'), '"replicas": 3,', '"replicas": "3",');
  writeFileSync(join(DIR, 'tsconfig.json'), JSON.stringify({ extends: './hybrid/infra/tsconfig.json', include: ['*/infra/**/*.ts'], exclude: ['*/infra/rendered'] }));
  const started = performance.now();
  const result = await run(NODE, [TSC, '--noEmit', '--pretty', 'false', '-p', join(DIR, 'tsconfig.json')], ROOT, 240_000);
  combined = { ...result, ms: Math.round(performance.now() - started) };
  console.info(`k8s: tsc over ${SCENARIO_IDS.length} generated infra/ projects + control: ${combined.ms} ms`);
}, 300_000);

describe('generated infra/ type-checks with tsc --noEmit (no Pulumi CLI involved)', () => {
  it('every scenario has no diagnostics; the planted errors are the only ones, so the check bites', () => {
    const lines = combined.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
    // tsc prints paths relative to its working directory (the repo root).
    const outsideControl = lines.filter((l) => !l.startsWith('test/.work/k8s/tsc/control/infra/'));
    expect(outsideControl).toEqual([]);
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.includes('components/kafka.ts'))).toMatch(/error TS(2353|2561).*readinesProbe/);
    expect(lines.find((l) => l.includes('settings/redis.ts'))).toMatch(/error TS2322: Type 'string' is not assignable to type 'number'/);
    expect(combined.code).not.toBe(0);
  });

  it('the hybrid project passes `tsc --noEmit -p infra` with its own tsconfig.json', async () => {
    const result = await run(NODE, [TSC, '--noEmit', '-p', join(DIR, 'hybrid', 'infra')], ROOT, 240_000);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 240_000);
});
