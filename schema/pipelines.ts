import { sql } from "drizzle-orm";
import { type AnyPgColumn, boolean, index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { projects } from "./projects";
import { users } from "./users";

export const STATUSES = [
  "created",
  "pending",
  "running",
  "success",
  "failed",
  "canceled",
  "canceling",
  "skipped",
  "manual",
] as const;
export type Status = (typeof STATUSES)[number];

/** GitLab's pipeline sources (app/models/enums/ci/pipeline.rb) that make a ref's pipelines. */
const CI_SOURCES = [
  "push",
  "web",
  "trigger",
  "schedule",
  "api",
  "external",
  "pipeline",
  "chat",
  "merge_request_event",
  "external_pull_request_event",
] as const;

/** "Dangling" sources, which never count as a ref's pipeline: child pipelines and the like. */
export const DANGLING_SOURCES = [
  "webide",
  "parent_pipeline",
  "ondemand_dast_scan",
  "ondemand_dast_validation",
  "security_orchestration_policy",
  "container_registry_push",
  "duo_workflow",
  "pipeline_execution_policy_schedule",
] as const;

export const SOURCES = [...CI_SOURCES, ...DANGLING_SOURCES] as const;

export const pipelines = pgTable(
  "pipelines",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    // Per-project sequence number, as GitLab's pipeline iid.
    iid: integer().notNull(),
    project_id: integer()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    ref: text().notNull(),
    tag: boolean().notNull().default(false),
    sha: text().notNull(),
    status: text({ enum: STATUSES }).notNull().default("created"),
    // GitLab's pipeline sources; `parent_pipeline` marks a child pipeline.
    source: text().notNull().default("api"),
    parent_pipeline_id: integer().references((): AnyPgColumn => pipelines.id, { onDelete: "cascade" }),
    // GitLab's ci_pipelines.locked: artifacts of a locked pipeline survive expiry.
    locked: text({ enum: ["unlocked", "artifacts_locked"] })
      .notNull()
      .default("artifacts_locked"),
    user_id: integer().references(() => users.id, { onDelete: "set null" }),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updated_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    started_at: timestamp({ withTimezone: true }),
    finished_at: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("pipelines_project_iid_idx").on(t.project_id, t.iid),
    // Serves: "latest successful pipeline for a ref" (project, ref, status, newest id first).
    index("pipelines_latest_for_ref_idx").on(t.project_id, t.ref, t.status, sql`${t.id} desc`),
    // Serves: walking a pipeline's child pipelines.
    index("pipelines_parent_idx").on(t.parent_pipeline_id),
  ],
);

export type Pipeline = typeof pipelines.$inferSelect;
