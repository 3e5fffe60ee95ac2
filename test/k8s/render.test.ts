/**
 * `npm run render` in each generated infra/: the project's own script, which runs the program
 * under Pulumi's mocks (no cluster, no Pulumi CLI) and writes one YAML file per object and stack.
 * The files must parse and equal, object for object, what this suite's own mocks run saw the
 * program declare (secrets redacted the same way), and show no secret.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SCENARIO_IDS, type ScenarioId } from '../../generators/guide/index.ts';
import { PROFILES } from '../../generators/stack/index.ts';
import { isObj, k8sObjects, redacted, type Obj } from './support/objects.ts';
import { run, runUnderMocks, specFor, stackJob, writeProject } from './support/project.ts';
import type { MockRun } from './support/run-mocks.ts';

const dirs = new Map<ScenarioId, string>();
const renders = new Map<ScenarioId, { code: number | null; stdout: string; stderr: string }>();
const runs = new Map<string, MockRun>();

beforeAll(async () => {
  for (const scenario of SCENARIO_IDS) dirs.set(scenario, join(writeProject(`render/${scenario}`, specFor(scenario, 'prod')), 'infra'));
  const started = performance.now();
  for (const [scenario, infra] of dirs) renders.set(scenario, await run('npm', ['run', 'render', '--silent'], infra));
  console.info(`k8s: npm run render (dev + prod) in ${dirs.size} projects: ${Math.round(performance.now() - started)} ms`);
  const jobs = [...dirs.values()].flatMap((infra) => PROFILES.map((p) => stackJob(infra, p, 'render')));
  for (const r of await runUnderMocks(jobs, 'render')) runs.set(`${r.job.dir}:${r.job.stack}`, r);
}, 300_000);

function key(obj: Obj): string {
  return `${String(obj.kind)}/${String(isObj(obj.metadata) ? obj.metadata.name : '')}`;
}

describe.each(SCENARIO_IDS)('npm run render writes what the program declares under Pulumi mocks (no cluster, no Pulumi CLI): %s', (scenario) => {
  it('exits 0 and reports both stacks', () => {
    const result = renders.get(scenario);
    expect(result?.stderr).toBe('');
    expect(result?.code).toBe(0);
    expect(result?.stdout).toMatch(/^rendered\/dev: \d+ objects\nrendered\/prod: \d+ objects\n$/);
  });

  it.each(PROFILES)('rendered/%s: one parsable YAML file per declared object, equal to it, secrets redacted', (profile) => {
    const infra = dirs.get(scenario) ?? '';
    const dir = join(infra, 'rendered', profile);
    const files = readdirSync(dir).sort();
    const rendered = new Map<string, Obj>();
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text).not.toMatch(/placeholder-/);
      const obj = parse(text) as Obj;
      expect(f).toBe(`${String(obj.kind).toLowerCase()}-${String(isObj(obj.metadata) ? obj.metadata.name : '')}.yaml`);
      rendered.set(key(obj), obj);
    }
    const declared = k8sObjects(runs.get(`${infra}:${profile}`) as MockRun);
    expect(declared.length).toBeGreaterThan(0);
    expect([...rendered.keys()].sort()).toEqual(declared.map((o) => key(o.obj)).sort());
    for (const o of declared) expect(rendered.get(key(o.obj)), key(o.obj)).toEqual(redacted(o.resource.inputs));
    const secret = [...rendered.values()].find((o) => o.kind === 'Secret');
    for (const value of Object.values((secret?.stringData ?? {}) as Obj)) expect(value).toBe('[secret]');
  });
});
