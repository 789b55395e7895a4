import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Property-test limits and the hang watchdog (test/setup/time-limits.ts).
    setupFiles: ['test/setup/time-limits.ts'],
    // CDK synthesis and DuckDB scans take seconds on a 2-core machine; these are not performance checks.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
