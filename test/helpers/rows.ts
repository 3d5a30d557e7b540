import { eq } from "drizzle-orm";
import type { Database } from "../../lib/platform/db";
import { pipelines } from "../../schema";

/** A pipeline's status as stored, for tests that watch it follow its jobs. */
export const pipelineStatus = async (db: Database, id: number) =>
  (await db.select({ status: pipelines.status }).from(pipelines).where(eq(pipelines.id, id)))[0]?.status;
