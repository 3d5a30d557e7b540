import { bigint, boolean, index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { jobs } from "./jobs";
import { projects } from "./projects";

export const jobArtifacts = pgTable(
  "job_artifacts",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    project_id: integer()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    job_id: integer()
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    // GitLab's file types: archive, metadata, trace, junit, ...
    file_type: text().notNull(),
    file_format: text({ enum: ["zip", "gzip", "raw"] }).notNull(),
    file_name: text().notNull(),
    storage_key: text().notNull(),
    size: bigint({ mode: "number" }).notNull(),
    sha256: text().notNull(),
    // artifacts:access — all (public), developer (private), none.
    accessibility: text({ enum: ["public", "private", "none"] })
      .notNull()
      .default("public"),
    expire_at: timestamp({ withTimezone: true }),
    // GitLab's ci_job_artifacts.locked, copied from the pipeline's lock when it changes.
    locked: text({ enum: ["unlocked", "artifacts_locked", "unknown"] })
      .notNull()
      .default("unknown"),
    // Whether artifact_entry_groups holds this archive's whole central directory.
    entries_indexed: boolean().notNull().default(false),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Serves: a job's archive in every download query; one artifact of each type per job.
    uniqueIndex("job_artifacts_job_type_idx").on(t.job_id, t.file_type),
    uniqueIndex("job_artifacts_storage_key_idx").on(t.storage_key),
    // Serves: the scheduled cleanup (expired rows first).
    index("job_artifacts_expire_at_idx").on(t.expire_at),
    index("job_artifacts_project_idx").on(t.project_id),
  ],
);

export type JobArtifact = typeof jobArtifacts.$inferSelect;
