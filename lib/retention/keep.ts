import { and, eq, sql } from "drizzle-orm";
import type { Job } from "../../schema";
import { jobArtifacts, jobs } from "../../schema";
import { withRetry } from "../ci/retry";
import { notFound } from "../errors";
import type { Database } from "../platform/db";

/**
 * Ci::Build#keep_artifacts!: the job and every artifact of it lose their expiry, in one
 * transaction. GitLab's `build.artifacts?` comes first: 404 once they expired or without an archive.
 */
export async function keepJobArtifacts(db: Database, job: Job, now: Date): Promise<void> {
  const [archive] = await db
    .select({ id: jobArtifacts.id })
    .from(jobArtifacts)
    .where(and(eq(jobArtifacts.job_id, job.id), eq(jobArtifacts.file_type, "archive")))
    .limit(1);
  if (!archive || (job.artifacts_expire_at !== null && job.artifacts_expire_at <= now)) throw notFound();

  // The job row before its artifact rows: the order an upload (lib/ingest/record.ts) takes them in,
  // so a keep and an upload of the same job wait for each other instead of deadlocking.
  await withRetry(() =>
    db.transaction(async (tx) => {
      await tx.update(jobs).set({ artifacts_expire_at: null }).where(eq(jobs.id, job.id));
      await tx.update(jobArtifacts).set({ expire_at: sql`null` }).where(eq(jobArtifacts.job_id, job.id));
    }),
  );
}
