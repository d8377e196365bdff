import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Modules load once per worker, not once per file (half of the suite's time was imports); each-file.ts
    // resets what a file may change process-wide.
    isolate: false,
    setupFiles: ['test/support/each-file.ts'],
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
