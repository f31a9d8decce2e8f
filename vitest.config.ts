import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['electron/**/*.test.ts', 'shared/**/*.test.ts', 'tests/**/*.test.ts', 'renderer/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real brokers and SQLite files: keep parallelism modest on a 2-core machine.
    maxWorkers: 2,
    pool: 'forks',
  },
});
