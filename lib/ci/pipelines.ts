import { and, eq, sql } from "drizzle-orm";
import type { Pipeline, Project } from "../../schema";
import { internalIds, jobs, pipelines } from "../../schema";
import type { Database } from "../platform/db";
import { COMPLETED, compositeStatus } from "./pipeline-status";
import { withRetry } from "./retry";

type Executor = Pick<Database, "select" | "update" | "insert" | "execute">;

export interface NewPipeline {
  readonly ref: string;
  readonly sha: string;
  readonly tag: boolean;
  readonly source: string;
  readonly parentPipelineId: number | null;
  readonly userId: number | null;
}

/**
 * Inserts a pipeline with the project's next iid, taken from its `internal_ids` counter in the
 * same transaction: the counter row's lock orders concurrent creations, so no two share an iid.
 */
export async function createPipeline(db: Database, project: Project, input: NewPipeline): Promise<Pipeline> {
  return withRetry(() =>
    db.transaction(async (tx) => {
      const iid = await nextPipelineIid(tx, project.id);
      const [pipeline] = await tx
        .insert(pipelines)
        .values({
          iid,
          project_id: project.id,
          ref: input.ref,
          sha: input.sha,
          tag: input.tag,
          source: input.source,
          parent_pipeline_id: input.parentPipelineId,
          user_id: input.userId,
          // GitLab's Project#default_pipeline_lock: locked while "keep latest artifacts" is on.
          locked: project.keep_latest_artifact ? "artifacts_locked" : "unlocked",
        })
        .returning();
      if (!pipeline) throw new Error("pipeline insert returned no row");
      return pipeline;
    }),
  );
}

/**
 * InternalId.generate_next for usage ci_pipelines: one upsert that increments the counter, or
 * creates it from the project's highest iid so far (GitLab's `init` block for pipelines).
 */
async function nextPipelineIid(db: Executor, projectId: number): Promise<number> {
  const [counter] = await db
    .insert(internalIds)
    .values({
      project_id: projectId,
      usage: "ci_pipelines",
      last_value: sql`(select coalesce(max(${pipelines.iid}), 0) + 1 from ${pipelines} where ${pipelines.project_id} = ${projectId})`,
    })
    .onConflictDoUpdate({
      target: [internalIds.project_id, internalIds.usage],
      set: { last_value: sql`${internalIds.last_value} + 1` },
    })
    .returning({ value: internalIds.last_value });
  if (!counter) throw new Error("internal_ids upsert returned no row");
  return counter.value;
}

/**
 * Takes the pipeline's row lock for the rest of the transaction. Every writer of a pipeline's
 * jobs takes it first, so two jobs finishing at once serialize here and the second roll-up sees
 * the first job's final state (GitLab serializes the same way in Ci::PipelineProcessing::AtomicProcessingService,
 * under the pipeline's exclusive lease). FOR NO KEY UPDATE leaves the jobs' foreign-key checks free.
 */
export async function lockPipeline(db: Executor, pipelineId: number): Promise<void> {
  await db.select({ id: pipelines.id }).from(pipelines).where(eq(pipelines.id, pipelineId)).for("no key update");
}

/**
 * Recomputes a pipeline's status from its current (non-retried) jobs, as GitLab does. Run in
 * the transaction that changed the jobs, after lockPipeline.
 */
export async function refreshPipelineStatus(
  db: Executor,
  pipelineId: number,
  now: Date,
): Promise<Pipeline | undefined> {
  const states = await db
    .select({ status: jobs.status, allowFailure: jobs.allow_failure })
    .from(jobs)
    .where(and(eq(jobs.pipeline_id, pipelineId), eq(jobs.retried, false)));
  const status = compositeStatus(states);
  const done = COMPLETED.includes(status);
  const [pipeline] = await db
    .update(pipelines)
    .set({
      status,
      updated_at: now,
      started_at: sql`coalesce(${pipelines.started_at}, ${status === "created" ? null : now})`,
      finished_at: done ? now : null,
    })
    .where(eq(pipelines.id, pipelineId))
    .returning();
  return pipeline;
}

/**
 * "Keep artifacts from most recent successful jobs": once a pipeline of a ref succeeds, the
 * older pipelines of that ref, and their child pipelines, unlock; their artifacts may expire.
 * As GitLab's Ci::UnlockArtifactsService, it runs after the roll-up committed, holding no other
 * pipeline's lock, and locks the rows it changes in one order (ascending id) in one statement,
 * so two unlocks of the same ref cannot deadlock.
 */
export async function unlockOlderIfSucceeded(db: Database, pipeline: Pipeline | undefined): Promise<void> {
  if (pipeline?.status !== "success" || pipeline.parent_pipeline_id !== null) return;
  await withRetry(() =>
    db.execute(sql`
      with recursive older(id) as (
        select id from pipelines
        where project_id = ${pipeline.project_id} and ref = ${pipeline.ref} and tag = ${pipeline.tag}
          and parent_pipeline_id is null and id < ${pipeline.id} and locked = 'artifacts_locked'
        union all
        select c.id from pipelines c join older o on c.parent_pipeline_id = o.id
      ),
      held as (
        select id from pipelines where id in (select id from older) order by id for no key update
      )
      update pipelines set locked = 'unlocked' where id in (select id from held)`),
  );
}
