import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import { jobs } from "../../schema";
import { EXECUTING, JOB_TOKEN_LIFETIME_SECONDS } from "../auth/rules";
import type { Database } from "../platform/db";
import type { Logger } from "../platform/services";
import { lockPipeline, refreshPipelineStatus, unlockOlderIfSucceeded } from "./pipelines";
import { withRetry } from "./retry";

/** Jobs dropped per pass; the rest wait for the next one. */
export const MAX_DROPPED_JOBS = 100;

/** GitLab's failure reason for a running job its runner stopped reporting on. */
export const TIMEOUT_FAILURE = "stuck_or_timeout_failure";

/**
 * Fails jobs still executing once their token died (the job's timeout plus the leeway in which
 * a runner may still report), as Ci::StuckBuilds::DropRunningService drops them; their pipelines
 * roll up as if a runner had reported. A runner's own report in the meantime wins: the update
 * only takes a job that is still executing, under its pipeline's lock.
 */
export async function dropTimedOutJobs(services: { db: Database; log: Logger; now: () => Date }): Promise<number> {
  const { db } = services;
  const now = services.now();
  const cutoff = new Date(now.getTime() - JOB_TOKEN_LIFETIME_SECONDS * 1000);
  const started = sql`coalesce(${jobs.started_at}, ${jobs.created_at})`;
  const overdue = await db
    .select({ id: jobs.id, pipelineId: jobs.pipeline_id })
    .from(jobs)
    .where(and(inArray(jobs.status, [...EXECUTING]), lt(started, cutoff)))
    .orderBy(asc(jobs.id))
    .limit(MAX_DROPPED_JOBS);
  let dropped = 0;
  for (const job of overdue) {
    const rolledUp = await withRetry(() =>
      db.transaction(async (tx) => {
        await lockPipeline(tx, job.pipelineId);
        const [taken] = await tx
          .update(jobs)
          .set({ status: "failed", failure_reason: TIMEOUT_FAILURE, finished_at: now })
          .where(and(eq(jobs.id, job.id), inArray(jobs.status, [...EXECUTING]), lt(started, cutoff)))
          .returning({ id: jobs.id });
        return taken ? refreshPipelineStatus(tx, job.pipelineId, now) : undefined;
      }),
    );
    if (rolledUp) dropped++;
    await unlockOlderIfSucceeded(db, rolledUp);
  }
  if (dropped > 0) services.log.info("timed-out jobs dropped", { jobs: dropped });
  return dropped;
}
