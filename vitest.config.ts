import { defineConfig } from 'vitest/config';

// CI sets WORKBENCH_TEST_REPORT_DIR so .ci/run can count passed and failed tests.
const reportDir = process.env.WORKBENCH_TEST_REPORT_DIR;

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'serve/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
    // TensorFlow.js backends, DuckDB and Jupyter are process-wide; forks keep test files apart.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { WORKBENCH_ROOT: process.cwd() },
    reporters: reportDir ? ['default', 'json'] : ['default'],
    outputFile: reportDir ? { json: `${reportDir}/vitest.json` } : undefined,
  },
});
