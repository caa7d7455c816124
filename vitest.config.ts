import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Output must not depend on the terminal: no colour unless a test asks for it.
    env: { NO_COLOR: '1', FORCE_COLOR: '' },
    testTimeout: 30_000,
    // Both cores of a 2-core machine (vitest would leave one free): the CLI tests wait on child processes.
    maxWorkers: 2,
  },
});
