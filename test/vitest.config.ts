import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

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
          include: ["test/lib/**/*.test.ts", "test/functions/**/*.test.ts"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The Worker in workerd runs scheduled cleanups in real time: after the in-process
        // tests, so it never races one that watches expired artifacts still being served.
        extends: true,
        test: { name: "runtime", include: ["test/runtime/**/*.test.ts"], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
