import { sql } from "drizzle-orm";
import { boolean, doublePrecision, index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { pipelines, STATUSES } from "./pipelines";
import { projects } from "./projects";
import { users } from "./users";

export const jobs = pgTable(
  "jobs",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    project_id: integer()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    pipeline_id: integer()
      .notNull()
      .references(() => pipelines.id, { onDelete: "cascade" }),
    name: text().notNull(),
    stage: text().notNull().default("test"),
    status: text({ enum: STATUSES }).notNull().default("running"),
    // An older attempt of a job that was run again; only the newest attempt counts.
    retried: boolean().notNull().default(false),
    allow_failure: boolean().notNull().default(false),
    user_id: integer().references(() => users.id, { onDelete: "set null" }),
    // SHA-256 of the job's CI_JOB_TOKEN, hex; the token is returned once.
    token_digest: text(),
    coverage: doublePrecision(),
    tag_list: text().array().notNull().default(sql`'{}'::text[]`),
    failure_reason: text(),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    queued_at: timestamp({ withTimezone: true }),
    started_at: timestamp({ withTimezone: true }),
    finished_at: timestamp({ withTimezone: true }),
    erased_at: timestamp({ withTimezone: true }),
    artifacts_expire_at: timestamp({ withTimezone: true }),
  },
  (t) => [
    // Serves: job-token authentication by digest.
    uniqueIndex("jobs_token_digest_idx").on(t.token_digest),
    // Serves: the jobs of a pipeline by name (latest successful lookup, retries, status roll-up).
    index("jobs_pipeline_name_idx").on(t.pipeline_id, t.name),
    index("jobs_project_idx").on(t.project_id),
  ],
);

export type Job = typeof jobs.$inferSelect;
