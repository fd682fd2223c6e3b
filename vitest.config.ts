import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // Guards against a hung test, not performance checks: tests that spawn the CLI several times
    // need minutes on a loaded two-core machine (one took 60 s there).
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // CI asks for a JSON report too, to print one closing "N passed, N failed" line.
    reporters: process.env.HEXAPLANE_TEST_RESULTS ? ['default', 'json'] : ['default'],
    ...(process.env.HEXAPLANE_TEST_RESULTS ? { outputFile: { json: process.env.HEXAPLANE_TEST_RESULTS } } : {}),
  },
});
