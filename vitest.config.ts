import { defineConfig } from 'vitest/config';

const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    // One PostgreSQL and one web build for the whole run, shared by both projects.
    globalSetup: ['./test/support/global-setup.ts'],
    projects: [
      {
        test: {
          ...shared,
          name: 'core-and-bots',
          include: ['core/**/*.test.ts', 'bots/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
        },
      },
      {
        test: {
          ...shared,
          name: 'browser',
          include: ['web-admin/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          // One Chromium at a time: two browsers, their cores and PostgreSQL on two cores starve each
          // other at the start of a run. A browser test that still times out on a loaded machine gets
          // one more try (each test starts from its own page and data, so a retry is a clean run).
          fileParallelism: false,
          retry: 1,
        },
      },
    ],
  },
});
