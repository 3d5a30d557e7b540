import { asc, inArray, lte, sql } from "drizzle-orm";
import { deletedObjects, jobArtifacts } from "../../schema";
import type { Database } from "../platform/db";
import type { Logger } from "../platform/services";
import { DELETE_BATCH, type Storage } from "../platform/storage";
import { forgetIndexes, scheduleDeletion } from "./deletion-queue";

/** Batches per run: each is one DeleteObjects call, so a run fits Workers' subrequest limits. */
export const MAX_BATCHES = 10;

export interface CleanupResult {
  artifacts: number;
  bytes: number;
  objects: number;
}

/**
 * Expired artifacts of unlocked pipelines leave: their rows go and their keys enter
 * deleted_objects in one transaction (SKIP LOCKED: concurrent runs take disjoint rows).
 */
async function expireBatch(db: Database, now: Date, limit: number) {
  return db.transaction(async (tx) => {
    const rows = await tx.execute<{ id: number; storage_key: string; size: string }>(sql`
      select a.id, a.storage_key, a.size
      from job_artifacts a
      join jobs j on j.id = a.job_id
      join pipelines p on p.id = j.pipeline_id
      where a.expire_at < ${now} and a.file_type <> 'trace' and a.locked <> 'artifacts_locked' and p.locked = 'unlocked'
      order by a.expire_at, a.id
      limit ${limit}
      for update of a skip locked`);
    if (rows.rows.length === 0) return { artifacts: 0, bytes: 0 };
    await scheduleDeletion(
      tx,
      rows.rows.map((r) => r.storage_key),
      now,
    );
    await tx.delete(jobArtifacts).where(
      inArray(
        jobArtifacts.id,
        rows.rows.map((r) => r.id),
      ),
    );
    return { artifacts: rows.rows.length, bytes: rows.rows.reduce((sum, r) => sum + Number(r.size), 0) };
  });
}

/**
 * Deletes due objects from storage, then their indexes and rows, inside one transaction holding the rows:
 * if storage fails, nothing is forgotten and the next run tries again (deleting twice is
 * harmless); concurrent runs skip rows another run holds.
 */
async function purgeBatch(db: Database, storage: Storage, now: Date, limit: number): Promise<number> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ id: deletedObjects.id, key: deletedObjects.storage_key })
      .from(deletedObjects)
      .where(lte(deletedObjects.pick_up_at, now))
      .orderBy(asc(deletedObjects.pick_up_at), asc(deletedObjects.id))
      .limit(limit)
      .for("update", { skipLocked: true });
    if (due.length === 0) return 0;
    const keys = due.map((d) => d.key);
    await storage.delete(keys);
    await forgetIndexes(tx, keys);
    await tx.delete(deletedObjects).where(
      inArray(
        deletedObjects.id,
        due.map((d) => d.id),
      ),
    );
    return due.length;
  });
}

/** One pass of the scheduled cleanup, bounded to MAX_BATCHES of each kind. */
export async function runCleanup(
  services: { db: Database; storage: Storage; log: Logger; now: () => Date },
  options: { batchSize?: number; maxBatches?: number } = {},
): Promise<CleanupResult> {
  const now = services.now();
  const batchSize = Math.min(options.batchSize ?? DELETE_BATCH, DELETE_BATCH);
  const maxBatches = options.maxBatches ?? MAX_BATCHES;
  const result: CleanupResult = { artifacts: 0, bytes: 0, objects: 0 };
  for (let i = 0; i < maxBatches; i++) {
    const expired = await expireBatch(services.db, now, batchSize);
    result.artifacts += expired.artifacts;
    result.bytes += expired.bytes;
    if (expired.artifacts < batchSize) break;
  }
  for (let i = 0; i < maxBatches; i++) {
    const purged = await purgeBatch(services.db, services.storage, now, batchSize);
    result.objects += purged;
    if (purged < batchSize) break;
  }
  services.log.info("artifact cleanup", { ...result });
  return result;
}
