import { defineConfig } from 'vitest/config';

/** Browser tests: Chromium driven by playwright-core against the local host (npm run test:e2e). */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // One browser at a time: Chromium needs the machine's cores.
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
