import { and, asc, count, desc, eq, gt, inArray, lt, notInArray, type SQL, sql } from "drizzle-orm";
import type { Pipeline, User } from "../../schema";
import { pipelines, users } from "../../schema";
import { DANGLING_SOURCES, type Status } from "../../schema/pipelines";
import { countedPage, type PageRequest, type PageResult } from "../http/pagination";
import type { Database } from "../platform/db";
import { findOrNotFound } from "./job-list";
import { COMPLETED } from "./pipeline-status";

/** A pipeline with the user who triggered it: what its entity shows. */
export interface PipelineView {
  readonly pipeline: Pipeline;
  readonly user: User | null;
}

/** Ci::PipelinesFinder::ALLOWED_INDEXED_COLUMNS: what `order_by` takes. */
export const PIPELINE_ORDERS = ["id", "status", "ref", "updated_at", "user_id"] as const;

/** What GET /projects/:id/pipelines filters by (Ci::PipelinesFinder), named as its parameters. */
export interface PipelineFilter {
  readonly scope?: "running" | "pending" | "finished" | "branches" | "tags";
  readonly status?: string;
  readonly ref?: string;
  readonly sha?: string;
  readonly username?: string;
  readonly source?: string;
  /** We keep no pipeline names or YAML errors: asking for either finds nothing. */
  readonly nothing?: boolean;
  readonly updated_before?: Date;
  readonly updated_after?: Date;
  readonly created_before?: Date;
  readonly created_after?: Date;
  readonly order_by: (typeof PIPELINE_ORDERS)[number];
  readonly sort: "asc" | "desc";
}

const newestPerRef = (tag: boolean) =>
  sql`${pipelines.id} in (select max(p.id) from ${pipelines} p
    where p.project_id = ${pipelines.project_id} and p.tag = ${tag} group by p.ref)`;

/** The finder's scopes: by status, or each branch's (each tag's) newest pipeline. */
function scopeCondition(scope: PipelineFilter["scope"]): SQL | undefined {
  switch (scope) {
    case "running":
    case "pending":
      return eq(pipelines.status, scope);
    case "finished":
      return inArray(pipelines.status, [...COMPLETED]);
    case "branches":
      return newestPerRef(false);
    case "tags":
      return newestPerRef(true);
    default:
      return undefined;
  }
}

function pipelineConditions(projectId: number, filter: PipelineFilter): SQL | undefined {
  if (filter.nothing) return sql`false`;
  return and(
    eq(pipelines.project_id, projectId),
    scopeCondition(filter.scope),
    filter.status === undefined ? undefined : eq(pipelines.status, filter.status as Status),
    filter.ref === undefined ? undefined : eq(pipelines.ref, filter.ref),
    filter.sha === undefined ? undefined : eq(pipelines.sha, filter.sha),
    filter.source === undefined ? undefined : eq(pipelines.source, filter.source),
    filter.username === undefined ? undefined : sql`lower(${users.username}) = lower(${filter.username})`,
    filter.updated_before ? lt(pipelines.updated_at, filter.updated_before) : undefined,
    filter.updated_after ? gt(pipelines.updated_at, filter.updated_after) : undefined,
    filter.created_before ? lt(pipelines.created_at, filter.created_before) : undefined,
    filter.created_after ? gt(pipelines.created_at, filter.created_after) : undefined,
  );
}

const selectPipelineViews = <E extends Record<string, SQL>>(db: Database, where: SQL | undefined, extra?: E) =>
  db
    .select({ pipeline: pipelines, user: users, ...(extra as E) })
    .from(pipelines)
    .leftJoin(users, eq(users.id, pipelines.user_id))
    .where(where);

/** A page of the project's pipelines (every source, child pipelines too), with its total, in one statement. */
export async function listPipelines(
  db: Database,
  projectId: number,
  filter: PipelineFilter,
  page: PageRequest,
): Promise<PageResult<PipelineView>> {
  const where = pipelineConditions(projectId, filter);
  const direction = filter.sort === "asc" ? asc : desc;
  const rows = await selectPipelineViews(db, where, { total: sql<number>`(count(*) over ())::int` })
    .orderBy(direction(pipelines[filter.order_by]), direction(pipelines.id))
    .limit(page.perPage)
    .offset(page.offset);
  return countedPage(rows, page, async () => {
    const [row] = await db
      .select({ total: count() })
      .from(pipelines)
      .leftJoin(users, eq(users.id, pipelines.user_id))
      .where(where);
    return row?.total ?? 0;
  });
}

/** `user_project.all_pipelines.find(pipeline_id)`, with its user. */
export const findPipelineView = (db: Database, projectId: number, pipelineId: number): Promise<PipelineView> =>
  findOrNotFound(pipelineId, () =>
    selectPipelineViews(db, and(eq(pipelines.project_id, projectId), eq(pipelines.id, pipelineId))).limit(1),
  );

/**
 * Project#latest_pipeline(ref): the newest pipeline of the ref among the project's CI sources
 * (never a child pipeline). GitLab also matches the ref's head commit; we keep no repository,
 * so the newest pipeline of the ref is the one.
 */
export async function latestPipelineView(db: Database, projectId: number, ref: string): Promise<PipelineView | null> {
  const [row] = await selectPipelineViews(
    db,
    and(
      eq(pipelines.project_id, projectId),
      eq(pipelines.ref, ref),
      notInArray(pipelines.source, [...DANGLING_SOURCES]),
    ),
  )
    .orderBy(desc(pipelines.id))
    .limit(1);
  return row ?? null;
}
