import { index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/**
 * Objects to remove from storage, as GitLab's ci_deleted_objects: a row goes in within the
 * same transaction that drops the last reference to its object, so a crash can never leave a
 * row pointing at nothing or an object nobody remembers. Uploads in flight insure themselves
 * here too (pick_up_at in the future) and take the row back when they are recorded.
 */
export const deletedObjects = pgTable(
  "deleted_objects",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    storage_key: text().notNull(),
    pick_up_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("deleted_objects_storage_key_idx").on(t.storage_key),
    // Serves: the cleanup's "due for deletion" batches.
    index("deleted_objects_pick_up_at_idx").on(t.pick_up_at),
  ],
);

export type DeletedObject = typeof deletedObjects.$inferSelect;
