import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { users } from "./users";

export const projects = pgTable(
  "projects",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    path: text().notNull(),
    // "group/sub"; empty for a project at the top level.
    namespace: text().notNull().default(""),
    full_path: text().notNull(),
    visibility: text({ enum: ["public", "internal", "private"] })
      .notNull()
      .default("private"),
    // GitLab's "public pipelines": non-members who can see the project may see its jobs.
    public_builds: boolean().notNull().default(true),
    // "Keep artifacts from most recent successful jobs" (GitLab: keep_latest_artifact).
    keep_latest_artifact: boolean().notNull().default(true),
    // Inbound CI/CD job token scope: when on, only allowlisted projects' job tokens get in.
    ci_inbound_job_token_scope_enabled: boolean().notNull().default(true),
    // The legacy outbound flag, reported in the job entity as project.ci_job_token_scope_enabled.
    ci_outbound_job_token_scope_enabled: boolean().notNull().default(false),
    // The project's CI/CD feature; when off, nobody may read its jobs.
    builds_enabled: boolean().notNull().default(true),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Serves: project lookup by URL-encoded full path, case-insensitive like GitLab's.
    uniqueIndex("projects_full_path_lower_idx").on(sql`lower(${t.full_path})`),
  ],
);

export const ACCESS_LEVELS = { guest: 10, reporter: 20, developer: 30, maintainer: 40, owner: 50 } as const;

export const projectMembers = pgTable(
  "project_members",
  {
    project_id: integer()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    user_id: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    access_level: integer().notNull(),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Serves: the caller's role in the project, joined into every authorization query.
    primaryKey({ columns: [t.project_id, t.user_id] }),
    check("project_members_access_level_check", sql`${t.access_level} in (10, 20, 30, 40, 50)`),
  ],
);

/**
 * The inbound job-token allowlist, named as GitLab names Ci::JobToken::ProjectScopeLink:
 * jobs of `target_project_id` may use their CI_JOB_TOKEN against `source_project_id`.
 */
export const jobTokenScopeLinks = pgTable(
  "job_token_scope_links",
  {
    source_project_id: integer()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    target_project_id: integer()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Serves: the cross-project job-token check (is the job's project allowlisted here?).
    primaryKey({ columns: [t.source_project_id, t.target_project_id] }),
    index("job_token_scope_links_target_idx").on(t.target_project_id),
  ],
);

export type Project = typeof projects.$inferSelect;
export type ProjectMember = typeof projectMembers.$inferSelect;
