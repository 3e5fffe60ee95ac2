import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // yeoman-test changes the working directory, which worker threads cannot do.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    // The real-consumer checks have their own run (vitest.consumers.config.ts, npm run test:consumers).
    exclude: [...configDefaults.exclude, 'test/consumers/**'],
    // Hands out a run id and stops, at the end, the brokers that test files started lazily
    // (test/support/global-brokers.ts: unit tests never wait for a broker).
    globalSetup: ['test/support/global-brokers.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
