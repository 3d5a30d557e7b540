import { integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { projects } from "./projects";

/**
 * Per-project sequence counters, as GitLab's internal_ids table (app/models/internal_id.rb):
 * one row per project and usage, incremented in the transaction that takes the next value, so
 * two writers never get the same iid.
 */
export const internalIds = pgTable(
  "internal_ids",
  {
    project_id: integer()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    // GitLab's InternalId usage enum; pipelines use "ci_pipelines".
    usage: text({ enum: ["ci_pipelines"] }).notNull(),
    last_value: integer().notNull(),
  },
  // Serves: the increment by (project, usage).
  (t) => [primaryKey({ columns: [t.project_id, t.usage] })],
);
