import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // yeoman-test changes the working directory, which worker threads cannot do.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    // Run by their own commands: the real-consumer checks (npm run test:consumers, vitest.consumers.config.ts)
    // and the prod clusters (npm run test:clusters: they need a private network namespace). test/.work
    // holds the generated projects the tests write, with test files of their own.
    exclude: [...configDefaults.exclude, 'test/consumers/**', 'test/clusters/**', 'test/.work/**'],
    // setup.ts installs the pinned tools, the Debian 13 brokers and the Kafka jars once (a no-op when
    // cached); global-brokers.ts hands out a run id and stops, at the end, the brokers that test files
    // started lazily (unit tests never wait for a broker).
    globalSetup: ['test/support/setup.ts', 'test/support/global-brokers.ts'],
    // Most files wait on brokers, child processes and tools rather than compute: four at a time keep
    // both cores busy (vitest's default on 2 cores is one file at a time). Ports never clash: every
    // file that starts servers has a port block of its own.
    maxWorkers: 4,
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
