import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { inArray } from "drizzle-orm";
import type { Config } from "../../lib/platform/config";
import type { Database } from "../../lib/platform/db";
import { createStorage } from "../../lib/platform/services";
import { deletedObjects } from "../../schema";
import { type FaultMode, type FaultProxy, startFaultProxy } from "./fault-proxy";
import type { Harness } from "./harness";
import { smallZip } from "./zips";

/**
 * Proxies in front of the test stack's S3 server and its two ways to PostgreSQL (the WebSocket
 * bridge, the SQL-over-HTTP endpoint), and the settings that use them.
 */
export interface StackFaults {
  readonly storage: FaultProxy;
  /** Both ways to PostgreSQL at once: a database that is not there fails either. */
  readonly database: Pick<FaultProxy, "set">;
  /** S3_ENDPOINT, DATABASE_WS_PROXY and DATABASE_HTTP_PROXY pointing at the proxies, to spread over the stack's settings. */
  readonly settings: Record<string, string>;
  /** Both proxies back to pass. */
  pass(): Promise<void>;
  close(): Promise<void>;
}

function hostPort(address: string): { host: string; port: number } {
  const url = new URL(address.includes("://") ? address : `ws://${address}`);
  return { host: url.hostname, port: Number(url.port) };
}

export async function startStackFaults(stack: Record<string, string | undefined>): Promise<StackFaults> {
  const { S3_ENDPOINT, DATABASE_WS_PROXY, DATABASE_HTTP_PROXY } = stack;
  if (!S3_ENDPOINT || !DATABASE_WS_PROXY || !DATABASE_HTTP_PROXY)
    throw new Error("fault proxies need the stack's S3 server, bridge and SQL-over-HTTP endpoint");
  const storage = await startFaultProxy(hostPort(S3_ENDPOINT));
  const bridge = await startFaultProxy(hostPort(DATABASE_WS_PROXY));
  const sqlOverHttp = await startFaultProxy(hostPort(DATABASE_HTTP_PROXY));
  const path = new URL(`ws://${DATABASE_WS_PROXY}`).pathname;
  const database = {
    set: async (mode: FaultMode) => {
      await bridge.set(mode);
      await sqlOverHttp.set(mode);
    },
  };
  return {
    storage,
    database,
    settings: {
      S3_ENDPOINT: `http://${storage.address}`,
      DATABASE_WS_PROXY: `${bridge.address}${path}`,
      DATABASE_HTTP_PROXY: `http://${sqlOverHttp.address}${new URL(DATABASE_HTTP_PROXY).pathname}`,
    },
    pass: async () => {
      await storage.set({ kind: "pass" });
      await database.set({ kind: "pass" });
    },
    close: async () => {
      await storage.close();
      await bridge.close();
      await sqlOverHttp.close();
    },
  };
}

/**
 * Objects under the job's archive prefix that are neither gone nor waiting in the deletion queue:
 * what an interrupted upload must never leave behind.
 */
export async function looseObjects(
  h: { db: Database; services: { config: Config } },
  job: { id: number; project_id: number },
): Promise<string[]> {
  const s3 = createStorage(h.services.config);
  const listed = await s3.client.send(
    new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `artifacts/${job.project_id}/${job.id}/` }),
  );
  const keys = (listed.Contents ?? []).map((object) => object.Key ?? "");
  if (keys.length === 0) return [];
  const queued = await h.db.select().from(deletedObjects).where(inArray(deletedObjects.storage_key, keys));
  return keys.filter((key) => !queued.some((row) => row.storage_key === key));
}

/** A finished job of a public project with an archive, and the URLs of its archive and one file. */
export async function publicFile(h: Harness, zip = smallZip({ "notes.txt": "hello\n" })) {
  const made = await h.make.jobWithArchive(zip, { project: { visibility: "public" }, job: { status: "success" } });
  return {
    ...made,
    file: (path: string) => h.url.jobArtifactFile(made.project, made.job, path),
    archive: h.url.jobArtifacts(made.project, made.job),
  };
}
