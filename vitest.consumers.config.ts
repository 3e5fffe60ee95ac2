import { defineConfig } from 'vitest/config';

/**
 * `npm run test:consumers`: the generated artifacts judged by the programs that consume them, at the
 * versions pins.json names (the real compose CLI, a real kube-apiserver + etcd, the tools themselves).
 * Separate from `npm test` because the tools take ~40 min to build on a cold cache
 * (scripts/tools; a warm run only checks). .ci/run calls it after `npm test`.
 */
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/consumers/**/*.test.ts'],
    // Builds or fetches every tool once, before any test file starts (a no-op when cached).
    globalSetup: ['test/consumers/support/tools-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
