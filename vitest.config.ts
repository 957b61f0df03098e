import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Native Temporal connections and child processes (QEMU, losetup) behave best in forks.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    // ONE real Temporal dev server and ONE workflow bundle for the whole run.
    globalSetup: ['test/setup/global.ts'],
    reporters: ['default', './test/setup/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: VM tests are CPU-bound under TCG, so files run two at a time at most.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
