import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { type Stack, StackError, startStack } from "../../lib/local/stack";

declare module "vitest" {
  export interface ProvidedContext {
    settings: Record<string, string>;
  }
}

/**
 * One stack for the whole run: TEST_DATABASE_URL's server (else embedded PostgreSQL) with a
 * fresh database, and a local S3 server, both thrown away at the end.
 */
export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), "artifact-edge-test-"));
  let stack: Stack;
  try {
    stack = await startStack({
      dataDir,
      databaseUrl: process.env.TEST_DATABASE_URL || undefined,
      databaseName: `artifact_edge_test_${process.pid}_${Date.now()}`,
      disposable: true,
      log: (line) => console.error(line),
    });
  } catch (error) {
    // Vitest reports a failing global setup but exits 0 having run nothing: fail the run here.
    console.error(error instanceof StackError ? `artifact-edge: ${error.message}` : error);
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(1);
  }
  project.provide("settings", stack.settings);
  return async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
