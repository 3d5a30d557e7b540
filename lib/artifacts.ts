import { and, eq } from "drizzle-orm";
import type { Job } from "../schema";
import { jobArtifacts, jobs } from "../schema";
import type { Database } from "./db";
import type { Logger } from "./services";
import type { Storage } from "./storage";
import { type ArchiveSummary, inspectArchive } from "./zip/inspect";

export const ARCHIVE_FILENAME = "artifacts.zip";

/** A fresh key per upload: a replaced archive never shares a key with the one it replaces. */
export const archiveKey = (job: Pick<Job, "id" | "project_id">) =>
  `artifacts/${job.project_id}/${job.id}/${crypto.randomUUID()}.zip`;

/** Direct uploads land under the job's own prefix, which is how finalize knows the key is the job's. */
export const directUploadPrefix = (job: Pick<Job, "id">) => `uploads/${job.id}/`;
export const directUploadKey = (job: Pick<Job, "id">) => `${directUploadPrefix(job)}${crypto.randomUUID()}.zip`;

/** Streams an archive into storage, measuring, hashing and checking it on the way. */
export async function storeArchive(
  storage: Storage,
  key: string,
  body: ReadableStream<Uint8Array>,
): Promise<ArchiveSummary> {
  const { stream, summary } = inspectArchive();
  try {
    await Promise.all([storage.upload(key, body.pipeThrough(stream), "application/zip"), summary]);
  } catch (error) {
    // A multipart upload aborts itself; a finished small one may remain.
    await storage.delete([key]).catch(() => {});
    throw error;
  }
  return summary;
}

/** Reads back an archive that a client put straight into storage, and checks it. */
export async function inspectStoredArchive(storage: Storage, key: string): Promise<ArchiveSummary | null> {
  const body = await storage.read(key);
  if (!body) return null;
  const { stream, summary } = inspectArchive();
  await Promise.all([body.pipeThrough(stream).pipeTo(new WritableStream()), summary]);
  return summary;
}

export interface ArchiveRecord {
  readonly key: string;
  readonly summary: ArchiveSummary;
  readonly accessibility: "public" | "private" | "none";
  readonly expireAt: Date | null;
}

/**
 * Makes `record` the job's archive, replacing an earlier one. The row moves to the new object
 * in one transaction; only then is the old object deleted, so no row ever points at nothing.
 */
export async function recordArchive(
  db: Database,
  storage: Storage,
  log: Logger,
  job: Job,
  record: ArchiveRecord,
): Promise<void> {
  const replaced = await db.transaction(async (tx) => {
    const [previous] = await tx
      .select({ key: jobArtifacts.storage_key })
      .from(jobArtifacts)
      .where(and(eq(jobArtifacts.job_id, job.id), eq(jobArtifacts.file_type, "archive")))
      .for("update");
    const values = {
      storage_key: record.key,
      size: record.summary.size,
      sha256: record.summary.sha256,
      accessibility: record.accessibility,
      expire_at: record.expireAt,
    };
    await tx
      .insert(jobArtifacts)
      .values({
        project_id: job.project_id,
        job_id: job.id,
        file_type: "archive",
        file_format: "zip",
        file_name: ARCHIVE_FILENAME,
        ...values,
      })
      .onConflictDoUpdate({ target: [jobArtifacts.job_id, jobArtifacts.file_type], set: values });
    await tx.update(jobs).set({ artifacts_expire_at: record.expireAt }).where(eq(jobs.id, job.id));
    return previous?.key;
  });
  if (replaced && replaced !== record.key) {
    await storage.delete([replaced]).catch((error) => {
      // Left for the cleanup to find; the row already points at the new archive.
      log.error("could not delete replaced archive", { key: replaced, cause: String(error) });
    });
  }
}
