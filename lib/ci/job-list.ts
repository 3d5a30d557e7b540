import { and, count, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { jobs } from "../../schema";
import type { Status } from "../../schema/pipelines";
import { INT32_MAX } from "../auth/rules";
import { paramErrors, recordNotFound } from "../errors";
import type { JobView } from "../http/entities";
import { countedPage, type PageRequest, type PageResult } from "../http/pagination";
import type { Database } from "../platform/db";
import { selectJobViews } from "./jobs";

/**
 * CommitStatus::AVAILABLE_STATUSES, the values `scope[]` takes. Statuses we never give a job
 * (waiting_for_resource, preparing, scheduled, ...) are valid filters that find nothing.
 */
export const JOB_SCOPES = [
  "created",
  "waiting_for_resource",
  "preparing",
  "waiting_for_callback",
  "pending",
  "running",
  "success",
  "failed",
  "canceling",
  "canceled",
  "skipped",
  "manual",
  "scheduled",
] as const;

export interface JobFilter {
  readonly projectId?: number;
  readonly pipelineId?: number;
  /** Statuses to keep (empty or absent: all). */
  readonly statuses?: readonly string[];
  /** Ci::JobsFinder's `latest`: leave out attempts that were retried. */
  readonly latestOnly?: boolean;
}

function jobConditions(filter: JobFilter): SQL | undefined {
  return and(
    filter.projectId === undefined ? undefined : eq(jobs.project_id, filter.projectId),
    filter.pipelineId === undefined ? undefined : eq(jobs.pipeline_id, filter.pipelineId),
    filter.statuses?.length ? inArray(jobs.status, filter.statuses as Status[]) : undefined,
    filter.latestOnly ? eq(jobs.retried, false) : undefined,
  );
}

/**
 * One page of jobs, newest first, as JobViews. Counted (a window count in the same statement)
 * for a pipeline's jobs; uncounted for a project's, as GitLab's `paginate_with_strategies(...,
 * without_count: true)`: one row past the page says whether another follows.
 */
export async function listJobViews(
  db: Database,
  filter: JobFilter,
  page: PageRequest,
  options: { counted: boolean },
): Promise<PageResult<JobView>> {
  const where = jobConditions(filter);
  if (!options.counted) {
    const rows = await selectJobViews(db, where)
      .orderBy(desc(jobs.id))
      .limit(page.perPage + 1)
      .offset(page.offset);
    return { rows: rows.slice(0, page.perPage), more: rows.length > page.perPage };
  }
  const rows = await selectJobViews(db, where, { total: sql<number>`(count(*) over ())::int` })
    .orderBy(desc(jobs.id))
    .limit(page.perPage)
    .offset(page.offset);
  return countedPage(rows, page, async () => {
    const [row] = await db.select({ total: count() }).from(jobs).where(where);
    return row?.total ?? 0;
  });
}

/**
 * `scope` as lib/api/ci/jobs.rb's optional_scope takes it: `scope=x` or `scope[]=x&scope[]=y`,
 * each one of JOB_SCOPES, else Grape's `scope does not have a valid value`.
 */
export function jobScopes(values: readonly string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  if (values.some((value) => !(JOB_SCOPES as readonly string[]).includes(value))) {
    throw paramErrors(["scope does not have a valid value"]);
  }
  return [...values];
}

/** ActiveRecord's `find(id)`: the row `query` reads, else 404 Not found; an id past INT32_MAX names nothing. */
export async function findOrNotFound<T>(id: number, query: () => Promise<readonly T[]>): Promise<T> {
  const [row] = id >= 1 && id <= INT32_MAX ? await query() : [];
  if (!row) throw recordNotFound();
  return row;
}

/** `user_project.builds.find(job_id)` as a JobView, in one statement. */
export const findJobView = (db: Database, projectId: number, jobId: number): Promise<JobView> =>
  findOrNotFound(jobId, () => selectJobViews(db, and(eq(jobs.id, jobId), eq(jobs.project_id, projectId))).limit(1));
