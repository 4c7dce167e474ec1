import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CLI and crash tests start real processes.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
