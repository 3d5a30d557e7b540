import { and, eq, inArray } from "drizzle-orm";
import { artifactEntryGroups, deletedObjects } from "../../schema";
import type { Database } from "../platform/db";
import type { Logger } from "../platform/services";
import type { Storage } from "../platform/storage";

/**
 * The deletion queue (GitLab's ci_deleted_objects): a storage object is forgotten only after it
 * is deleted, and a row that stops referencing one enters the queue in the same transaction.
 */

type Executor = Pick<Database, "insert">;

/** Remembers objects for deletion at `pickUpAt`, in the caller's transaction. */
export async function scheduleDeletion(db: Executor, keys: readonly string[], pickUpAt: Date): Promise<void> {
  if (keys.length === 0) return;
  await db
    .insert(deletedObjects)
    .values(keys.map((storage_key) => ({ storage_key, pick_up_at: pickUpAt })))
    .onConflictDoUpdate({ target: deletedObjects.storage_key, set: { pick_up_at: pickUpAt } });
}

/** Takes back an upload's insurance row once a row references the object. */
export async function cancelDeletion(db: Pick<Database, "delete">, key: string): Promise<void> {
  await db.delete(deletedObjects).where(eq(deletedObjects.storage_key, key));
}

/**
 * Deletes the indexes of archives whose objects are gone (schema/artifact-entries.ts): an index
 * lives as long as its object, so whatever deletes an object deletes its index after it.
 */
export async function forgetIndexes(db: Pick<Database, "delete">, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.delete(artifactEntryGroups).where(inArray(artifactEntryGroups.storage_key, [...keys]));
}

/** Deletes objects whose references are gone now, leaving them to the cleanup if storage fails. */
export async function deleteNow(
  services: { db: Database; storage: Storage; log: Logger },
  keys: readonly string[],
): Promise<void> {
  if (keys.length === 0) return;
  try {
    await services.storage.delete(keys);
    await forgetIndexes(services.db, keys);
    await services.db.delete(deletedObjects).where(and(inArray(deletedObjects.storage_key, [...keys])));
  } catch (error) {
    services.log.error("object deletion deferred to the cleanup", { keys: keys.length, cause: error });
  }
}
