import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack } from "../../lib/local/stack";

/**
 * A throwaway local stack for a script (`npm run bench`, `npm run soak`): TEST_DATABASE_URL's
 * server (else embedded PostgreSQL) with a fresh database, and s3rver; all gone after `stop`.
 */
export async function scratchStack(name: string) {
  const dataDir = mkdtempSync(join(tmpdir(), `artifact-edge-${name}-`));
  const remove = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    const stack = await startStack({
      dataDir,
      databaseUrl: process.env.TEST_DATABASE_URL || undefined,
      databaseName: `artifact_edge_${name}_${process.pid}`,
      disposable: true,
    });
    return {
      settings: stack.settings,
      /** The local S3 server's directory (another s3rver on it serves the same objects). */
      storageDirectory: join(dataDir, "s3"),
      /** Which database the figures were taken on, for the report. */
      database: process.env.TEST_DATABASE_URL ? "TEST_DATABASE_URL" : "embedded PostgreSQL",
      async stop() {
        await stack.stop();
        remove();
      },
    };
  } catch (error) {
    remove();
    throw error;
  }
}
