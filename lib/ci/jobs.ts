import { and, eq, type SQL, sql } from "drizzle-orm";
import type { Job, Pipeline } from "../../schema";
import { jobArtifacts, jobs, pipelines, projects, users } from "../../schema";
import type { Status } from "../../schema/pipelines";
import { isExecuting } from "../auth/rules";
import { constantTimeEqual, JOB_TOKEN_PREFIX, newToken, sha256Hex } from "../auth/tokens";
import { forbidden, recordNotFound } from "../errors";
import type { JobView } from "../http/entities";
import type { Database } from "../platform/db";
import { lockPipeline, refreshPipelineStatus, unlockOlderIfSucceeded } from "./pipelines";
import { withRetry } from "./retry";

/** The columns of a JobView: a job with its pipeline, project, user and artifact list. */
export const jobViewColumns = {
  job: jobs,
  pipeline: pipelines,
  project: projects,
  user: users,
  artifacts: sql<JobView["artifacts"]>`coalesce((
    select json_agg(json_build_object('file_type', a.file_type, 'file_format', a.file_format,
      'file_name', a.file_name, 'size', a.size) order by a.id)
    from ${jobArtifacts} a where a.job_id = ${jobs.id}), '[]'::json)`,
};

/** The jobs `where` picks, as JobViews, in one statement; `extra` columns ride along. */
export function selectJobViews<E extends Record<string, SQL.Aliased | SQL>>(
  db: Database,
  where: SQL | undefined,
  extra?: E,
) {
  return db
    .select({ ...jobViewColumns, ...(extra as E) })
    .from(jobs)
    .innerJoin(pipelines, eq(pipelines.id, jobs.pipeline_id))
    .innerJoin(projects, eq(projects.id, jobs.project_id))
    .leftJoin(users, eq(users.id, jobs.user_id))
    .where(where);
}

/** A job with its pipeline, project, user and artifact list: everything its entity shows. */
export async function loadJobView(db: Database, jobId: number): Promise<JobView | null> {
  const [row] = await selectJobViews(db, eq(jobs.id, jobId)).limit(1);
  return row ?? null;
}

export interface NewJob {
  readonly name: string;
  readonly stage: string;
  readonly status: Status;
  readonly allowFailure: boolean;
  readonly userId: number | null;
}

/**
 * Adds a job to a pipeline and hands back its CI_JOB_TOKEN (shown once). A job of the same
 * name already in the pipeline becomes a retried attempt, as when GitLab retries a job.
 */
export async function createJob(db: Database, pipeline: Pipeline, input: NewJob, now: Date) {
  const token = newToken(JOB_TOKEN_PREFIX);
  const { job, pipeline: rolledUp } = await withRetry(() =>
    db.transaction(async (tx) => {
      await lockPipeline(tx, pipeline.id);
      await tx
        .update(jobs)
        .set({ retried: true })
        .where(and(eq(jobs.pipeline_id, pipeline.id), eq(jobs.name, input.name), eq(jobs.retried, false)));
      const [created] = await tx
        .insert(jobs)
        .values({
          project_id: pipeline.project_id,
          pipeline_id: pipeline.id,
          name: input.name,
          stage: input.stage,
          status: input.status,
          allow_failure: input.allowFailure,
          user_id: input.userId,
          token_digest: sha256Hex(token),
          created_at: now,
          queued_at: input.status === "created" ? null : now,
          started_at: input.status === "created" || input.status === "pending" ? null : now,
          finished_at:
            isExecuting(input.status) || ["created", "pending", "manual"].includes(input.status) ? null : now,
        })
        .returning();
      if (!created) throw new Error("job insert returned no row");
      return { job: created, pipeline: await refreshPipelineStatus(tx, pipeline.id, now) };
    }),
  );
  await unlockOlderIfSucceeded(db, rolledUp);
  return { job, token };
}

/** The runner's state update; the pipeline's status follows. */
export async function setJobState(
  db: Database,
  job: Job,
  state: Status,
  failureReason: string | null,
  now: Date,
): Promise<void> {
  const rolledUp = await withRetry(() =>
    db.transaction(async (tx) => {
      await lockPipeline(tx, job.pipeline_id);
      const finished = !isExecuting(state);
      await tx
        .update(jobs)
        .set({
          status: state,
          failure_reason: state === "failed" ? (failureReason ?? "script_failure") : null,
          started_at: sql`coalesce(${jobs.started_at}, ${now})`,
          finished_at: finished ? now : null,
        })
        .where(eq(jobs.id, job.id));
      return refreshPipelineStatus(tx, job.pipeline_id, now);
    }),
  );
  await unlockOlderIfSucceeded(db, rolledUp);
}

/**
 * The runner API's job authentication (GitLab's authenticate_job!): the token must be this
 * job's, else 403; and the job must still be running, else 403 "Job is not processing on runner".
 */
export async function authenticateRunnerJob(db: Database, jobId: number, token: string | undefined): Promise<Job> {
  const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId)).limit(1);
  if (!job || !token || !job.token_digest || !constantTimeEqual(job.token_digest, sha256Hex(token))) {
    throw forbidden();
  }
  if (!isExecuting(job.status)) throw forbidden("Job is not processing on runner");
  return job;
}

/** `user_project.builds.find(job_id)`: a job of this project, else GitLab's 404 Not found. */
export async function findProjectJob(db: Database, projectId: number, jobId: number): Promise<Job> {
  const [job] = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.id, jobId), eq(jobs.project_id, projectId)))
    .limit(1);
  if (!job) throw recordNotFound();
  return job;
}
