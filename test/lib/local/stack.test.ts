import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@neondatabase/serverless";
import { afterAll, describe, expect, it } from "vitest";
import { nodeWebSocket } from "../../../lib/local/node-websocket";
import { startStack } from "../../../lib/local/stack";
import { configureNeon } from "../../../lib/platform/db";
import { settings } from "../../helpers/harness";
import { unique } from "../../helpers/unique";

const dataDir = mkdtempSync(join(tmpdir(), "artifact-edge-stack-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function databaseExists(run: Record<string, string>, name: string): Promise<boolean> {
  const client = new Client(run.DATABASE_URL);
  configureNeon({ wsProxy: run.DATABASE_WS_PROXY, webSocket: nodeWebSocket }, client.neonConfig);
  await client.connect();
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [name]);
    return rowCount === 1;
  } finally {
    await client.end();
  }
}

describe("the dev stack", () => {
  it("drops its disposable database on stop even after a second stack took over the driver's settings", async () => {
    const run = settings();
    const s3 = {
      endpoint: run.S3_ENDPOINT ?? "",
      region: run.S3_REGION ?? "",
      bucket: run.S3_BUCKET ?? "",
      accessKeyId: run.S3_ACCESS_KEY_ID ?? "",
      secretAccessKey: run.S3_SECRET_ACCESS_KEY ?? "",
    };
    const logged: string[] = [];
    const stackOf = (databaseName: string) =>
      startStack({
        dataDir,
        databaseUrl: run.DATABASE_URL,
        databaseName,
        disposable: true,
        s3,
        log: (line) => logged.push(line),
      });
    const [first, second] = [unique("stack_a").replace(/-/g, "_"), unique("stack_b").replace(/-/g, "_")];
    const a = await stackOf(first);
    // As vitest does with one stack per project: the second points the driver at its own bridge.
    const b = await stackOf(second);
    await b.stop();
    await a.stop();
    expect(logged).toEqual([]);
    expect(await databaseExists(run, first)).toBe(false);
    expect(await databaseExists(run, second)).toBe(false);
  });
});
