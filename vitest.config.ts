import { defineConfig } from 'vitest/config';

// Two projects: `unit` (milliseconds, no services) and `integration` (needs the real test cluster
// from test/cluster/up.sh; those tests fail loudly when it is missing, they never skip).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'test/unit/**/*.test.ts'],
          // Several unit tests start the stand-ins as real processes; on a loaded 2-core machine one
          // such test can take longer than vitest's 5 s default without being slow by itself.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
