import { defineConfig } from 'vitest/config';

/** Runs after every other test file: it reads what they captured (test/helpers/leak-sweep.ts). */
const SWEEP = 'test/security/leak-sweep.test.ts';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The JSON report lets .ci/run print a plain 'N passed, N failed' closing line.
    reporters: ['default', ['json', { outputFile: 'test-artifacts/vitest.json' }]],
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: [SWEEP],
          // Not 0: with one worker, Vitest runs group-0 files after every other group.
          sequence: { groupOrder: 1 },
          // Here, not at the root: the sweep's group must not clear what this one captured.
          globalSetup: ['test/helpers/leak-sweep-setup.ts'],
        },
      },
      { extends: true, test: { name: 'sweep', include: [SWEEP], sequence: { groupOrder: 2 } } },
    ],
  },
});
