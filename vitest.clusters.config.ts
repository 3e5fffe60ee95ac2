import { defineConfig } from 'vitest/config';

/**
 * `npm run test:clusters`: the prod profile's 3-node clusters from the generated files, with nodes
 * killed under load. Run through scripts/clusters/in-netns.mjs (the compose service names resolve
 * only in its private network namespace). One cluster at a time: three JVMs or Erlang VMs per
 * cluster already fill two cores.
 */
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/clusters/**/*.test.ts'],
    fileParallelism: false,
    globalSetup: ['test/support/global-brokers.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
