/**
 * Every scenario × profile project, generated as a user generates it: through the built bin
 * (dist/brokerplate.mjs) with --yes, into test/.work/consumers/projects/<id>/ — inside the repo, so
 * a generated infra/ finds @pulumi/* in the repo's node_modules (as test/k8s does) and `npm run
 * render` needs no install. The microservices scenario is generated at both scales (RabbitMQ at
 * moderate, Kafka at high).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SCENARIO_IDS } from '../../../generators/guide/index.ts';
import { PROFILES } from '../../../generators/stack/index.ts';
import { ROOT, runBin } from '../../support/cli.ts';

export const WORK = join(ROOT, 'test', '.work', 'consumers');
export const PROJECTS = join(WORK, 'projects');

export interface ProjectCase {
  readonly id: string;
  readonly flags: readonly string[];
}

export const PROJECT_CASES: readonly ProjectCase[] = SCENARIO_IDS.flatMap((scenario) =>
  (scenario === 'microservices' ? (['moderate', 'high'] as const).map((scale) => ({ name: `${scenario}-${scale}`, extra: ['--scale', scale] })) : [{ name: scenario, extra: [] as string[] }])
    .flatMap(({ name, extra }) => PROFILES.map((profile) => ({ id: `${name}-${profile}`, flags: ['--scenario', scenario, ...extra, '--profile', profile] }))));

export const projectDir = (id: string): string => join(PROJECTS, id);

/** Generates every project afresh (two at a time); throws with the bin's output if one fails. */
export async function generateProjects(): Promise<void> {
  rmSync(PROJECTS, { recursive: true, force: true });
  mkdirSync(PROJECTS, { recursive: true });
  const queue = [...PROJECT_CASES];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const r = await runBin([projectDir(c.id), ...c.flags, '--yes', '--no-interactive'], { cwd: PROJECTS, timeoutMs: 120_000 });
      if (r.code !== 0 || !existsSync(join(projectDir(c.id), '.env'))) throw new Error(`brokerplate ${c.id} ${c.flags.join(' ')} failed (${r.code}):\n${r.output}`);
    }
  };
  await Promise.all([worker(), worker()]);
}
