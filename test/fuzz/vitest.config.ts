import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * `npm run fuzz`: property-based fuzzing with fast-check, outside `npm test` (whose config
 * includes only test/lib, test/functions and test/runtime). Pure code and in-memory archives:
 * no database, no S3 server, one worker.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/fuzz/**/*.fuzz.ts"],
    globalSetup: ["test/fuzz/setup.ts"],
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 600_000,
  },
});
