import { and, eq, ne } from "drizzle-orm";
import type { Job } from "../../schema";
import { jobArtifacts } from "../../schema";
import { withRetry } from "../ci/retry";
import type { Services } from "../platform/services";
import { deleteNow, scheduleDeletion } from "./deletion-queue";

/**
 * Ci::JobArtifacts::DeleteService for one job: every artifact but the job log goes, locked or
 * not. The rows and their objects' place in the deletion queue change in one transaction; the
 * objects are deleted right after, or by the cleanup if storage fails.
 */
export async function deleteJobArtifacts(services: Services, job: Job): Promise<void> {
  const keys = await withRetry(() =>
    services.db.transaction(async (tx) => {
      const removed = await tx
        .delete(jobArtifacts)
        .where(and(eq(jobArtifacts.job_id, job.id), ne(jobArtifacts.file_type, "trace")))
        .returning({ key: jobArtifacts.storage_key });
      const removedKeys = removed.map((r) => r.key);
      await scheduleDeletion(tx, removedKeys, services.now());
      return removedKeys;
    }),
  );
  await deleteNow(services, keys);
}
