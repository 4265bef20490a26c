import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources; long-running differential tests set their own timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
