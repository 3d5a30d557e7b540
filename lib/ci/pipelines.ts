import { and, eq, sql } from "drizzle-orm";
import type { Pipeline, Project } from "../../schema";
import { internalIds, jobs, pipelines } from "../../schema";
import type { Status } from "../../schema/pipelines";
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

/** Recomputes a pipeline's status from its current (non-retried) jobs, as GitLab does. */
export async function refreshPipelineStatus(db: Executor, pipelineId: number, now: Date): Promise<Status> {
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
  if (pipeline && status === "success" && pipeline.parent_pipeline_id === null) await unlockOlder(db, pipeline);
  return status;
}

/**
 * "Keep artifacts from most recent successful jobs": once a pipeline of a ref succeeds, the
 * older pipelines of that ref, and their child pipelines, unlock; their artifacts may expire.
 * (GitLab's Ci::UnlockArtifactsService, run when a pipeline on the ref finishes.)
 */
async function unlockOlder(db: Executor, pipeline: Pipeline): Promise<void> {
  await db.execute(sql`
    with recursive older(id) as (
      select id from pipelines
      where project_id = ${pipeline.project_id} and ref = ${pipeline.ref} and tag = ${pipeline.tag}
        and parent_pipeline_id is null and id < ${pipeline.id} and locked = 'artifacts_locked'
      union all
      select c.id from pipelines c join older o on c.parent_pipeline_id = o.id
    )
    update pipelines set locked = 'unlocked' where id in (select id from older)`);
}
