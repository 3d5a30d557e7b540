import { and, eq, ne } from "drizzle-orm";
import { jobArtifacts, jobs, pipelines } from "../../schema";
import { withRetry } from "../ci/retry";
import type { Database } from "../platform/db";

/**
 * ExpireProjectBuildArtifactsService, as one statement: every artifact of the project whose
 * pipeline is not locked expires now (the job log excepted). The cleanup removes them later;
 * locked (latest) pipelines keep theirs.
 */
export async function expireProjectArtifacts(db: Database, projectId: number, now: Date): Promise<void> {
  await withRetry(() =>
    db
      .update(jobArtifacts)
      .set({ expire_at: now, locked: "unlocked" })
      .from(jobs)
      .innerJoin(pipelines, eq(pipelines.id, jobs.pipeline_id))
      .where(
        and(
          eq(jobArtifacts.job_id, jobs.id),
          eq(jobArtifacts.project_id, projectId),
          ne(jobArtifacts.file_type, "trace"),
          eq(pipelines.locked, "unlocked"),
        ),
      ),
  );
}
