/**
 * globalSetup of `npm run test:consumers`: every tool of scripts/tools built or fetched once (a no-op
 * when cached; each install logs one line saying what, which version, why and how long), their
 * paths handed to the test files through inject('tools'); then every scenario × profile project
 * generated through the built bin (support/projects.ts), which the test files share.
 */
import type { TestProject } from 'vitest/node';
import { ensure, TOOLS } from '../../../scripts/tools/tools.mjs';
import { generateProjects } from './projects.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    tools: Record<string, string>;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide('tools', await ensure(Object.keys(TOOLS)));
  await generateProjects();
}
