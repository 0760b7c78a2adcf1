import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The v2 tests need the v2 lab's kernel; `npm run test:v2` runs them there.
    exclude: process.env.CGBENCH_LAB ? [] : ['test/v2/**'],
    // Integration tests share the machine's cgroups and CPUs: run files one at a time so
    // a throttled run is never disturbed by another test's busy loop.
    fileParallelism: false,
    testTimeout: 120_000,
    reporters: ['default', './test/summary-reporter.ts'],
    hookTimeout: 60_000,
  },
});
