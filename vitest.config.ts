import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Browser journeys sign in, print, wait out a countdown and sign out; on a loaded 2-core CI
    // machine one such test can pass 30 s. Speed is measured by `npm run bench`, not by timeouts.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // Integration suites start real ippeveprinter, Redis and Chromium processes; two cores only.
    maxWorkers: 2,
    minWorkers: 1,
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-output/vitest-results.json' },
  },
});
