import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites start real ippeveprinter, Redis and Chromium processes; two cores only.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
