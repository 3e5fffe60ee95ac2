import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // yeoman-test changes the working directory, which worker threads cannot do.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
