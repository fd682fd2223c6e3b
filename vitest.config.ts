import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // CI asks for a JSON report too, to print one closing "N passed, N failed" line.
    reporters: process.env.HEXAPLANE_TEST_RESULTS ? ['default', 'json'] : ['default'],
    ...(process.env.HEXAPLANE_TEST_RESULTS ? { outputFile: { json: process.env.HEXAPLANE_TEST_RESULTS } } : {}),
  },
});
