import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** The tests that run the artifact cleanup, or the scheduled pass's sweep of timed-out jobs. */
const RETENTION = [
  "test/lib/retention/**/*.test.ts",
  "test/functions/run-artifact-cleanup/**/*.test.ts",
  "test/lib/ci/timeouts.test.ts",
  "test/cli/cleanup.test.ts",
];

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    globalSetup: ["test/helpers/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: two test files at a time against the one database and S3 server.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "lib+functions",
          include: [
            "test/lib/**/*.test.ts",
            "test/functions/**/*.test.ts",
            "test/cli/**/*.test.ts",
            "test/schema/**/*.test.ts",
          ],
          exclude: RETENTION,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Cleanups sweep the whole shared database: one file at a time and after the tests above,
        // so a pass on the real clock never takes another file's expired rows, and the
        // past-clock passes of the cleanup test count exactly what that file made.
        extends: true,
        test: { name: "retention", include: RETENTION, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
      {
        // The Worker in workerd runs scheduled cleanups in real time: after the in-process
        // tests, so it never races one that watches expired artifacts still being served.
        extends: true,
        test: { name: "runtime", include: ["test/runtime/**/*.test.ts"], sequence: { groupOrder: 2 } },
      },
    ],
  },
});
