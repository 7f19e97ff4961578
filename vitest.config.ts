import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: keep parallelism modest so integration tests with real proxies stay reliable.
    maxWorkers: 2,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
