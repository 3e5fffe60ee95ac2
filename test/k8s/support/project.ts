/**
 * Generated projects for the Kubernetes tests. They are written under test/.work/k8s/ (git-ignored)
 * INSIDE the repo, so the generated infra/ resolves @pulumi/pulumi, @pulumi/kubernetes, yaml and
 * @types/node from the repo's node_modules by Node's ordinary upward lookup: no `npm install` per
 * project, and the versions are the ones infra/package.json declares (asserted in emit.test.ts).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { SCENARIO_IDS, type ScenarioId } from '../../../generators/guide/index.ts';
import { emitProject, type GeneratedFile } from '../../../generators/emit/index.ts';
import { configKey } from '../../../generators/emit/k8s.ts';
import { monitoringAuthSecrets, webConfigFiles } from '../../../generators/emit/monitoring-auth.ts';
import { PROFILES, type Profile, type StackSpec } from '../../../generators/stack/index.ts';
import { ROOT, runCommand, type RunResult } from '../../support/cli.ts';
import { specFor as baseSpecFor } from '../../support/stack.ts';
import type { MockJob, MockRun } from './run-mocks.ts';

export const WORK = join(ROOT, 'test', '.work', 'k8s');
export const NODE = join(ROOT, 'node_modules', '.bin', 'node');

export interface Case {
  readonly scenario: ScenarioId;
  readonly profile: Profile;
  readonly id: string;
}

export const CASES: readonly Case[] = SCENARIO_IDS.flatMap((scenario) => PROFILES.map((profile) => ({ scenario, profile, id: `${scenario}-${profile}` })));

export function specFor(scenario: ScenarioId, profile: Profile, edit?: (spec: StackSpec) => void): StackSpec {
  return baseSpecFor(scenario, profile, edit ? { edit } : {});
}

/**
 * Writes the emitted project into `test/.work/k8s/<id>/` (replacing what was there) and returns its
 * folder. Plus what a prod run of brokerplate writes beside it for the prod stack's monitoring
 * logins: secrets/monitoring/<service>-web.yml, the bcrypt hashes of the passwords stackJob()
 * hands the program with the same `salt` (as .env and `pulumi config` would hold the same values).
 */
export function writeProject(id: string, spec: StackSpec, salt = id): string {
  const dir = join(WORK, id);
  rmSync(dir, { recursive: true, force: true });
  for (const f of [...emitProject(spec), ...prodWebConfigs(spec, salt)]) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.contents);
  }
  return dir;
}

/** secrets/monitoring/<service>-web.yml as a prod run writes them, hashing the passwords stackJob() sets with `salt`. */
export function prodWebConfigs(spec: StackSpec, salt: string): GeneratedFile[] {
  const prod: StackSpec = { ...spec, profile: 'prod' };
  const env = new Map(monitoringAuthSecrets(prod).map((p) => [p.env, secretValue(configKey(p.env), salt)]));
  return webConfigFiles(prod, { env, read: () => undefined });
}

/** Known, distinct secret values, so a test can find any of them wherever it leaked. */
export function secretValue(key: string, salt: string): string {
  return `Sx${salt}${key}Q7v9`;
}

/**
 * The config `pulumi up` would hand the program for a stack: the non-secret values of
 * Pulumi.<stack>.yaml (structured ones as JSON text) plus every secret key of the stack, marked secret.
 */
export function stackJob(infra: string, stack: string, salt: string): MockJob {
  const project = String((parse(readFileSync(join(infra, 'Pulumi.yaml'), 'utf8')) as { name: unknown }).name);
  const file = parse(readFileSync(join(infra, `Pulumi.${stack}.yaml`), 'utf8')) as { config: Record<string, unknown> };
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(file.config)) config[key] = typeof value === 'string' ? value : JSON.stringify(value);
  const secretKeys: string[] = [];
  for (const key of secretKeysOf(infra)) {
    config[`${project}:${key}`] = secretValue(key, salt);
    secretKeys.push(`${project}:${key}`);
  }
  return { dir: infra, project, stack, config, secretKeys };
}

/** The Pulumi config keys of the secrets, as the README tells the user to set them. */
export function secretKeysOf(infra: string): string[] {
  const readme = readFileSync(join(infra, '..', 'README.md'), 'utf8');
  return [...readme.matchAll(/^pulumi config set --secret (\S+) /gm)].map((m) => m[1] ?? '');
}

export function run(command: string, args: readonly string[], cwd: string, timeoutMs = 120_000): Promise<RunResult> {
  return runCommand(command, args, { cwd, timeoutMs });
}

/** Runs the jobs under Pulumi mocks in one Node process (see run-mocks.ts). */
export async function runUnderMocks(jobs: readonly MockJob[], name: string): Promise<MockRun[]> {
  mkdirSync(WORK, { recursive: true });
  const jobsFile = join(WORK, `${name}.jobs.json`);
  const outFile = join(WORK, `${name}.runs.json`);
  writeFileSync(jobsFile, JSON.stringify(jobs));
  const result = await run(NODE, [join(ROOT, 'test', 'k8s', 'support', 'run-mocks.ts'), jobsFile, outFile], ROOT, 240_000);
  if (result.code !== 0) throw new Error(`run-mocks failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  return JSON.parse(readFileSync(outFile, 'utf8')) as MockRun[];
}
