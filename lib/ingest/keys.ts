import type { Job } from "../../schema";

export const ARCHIVE_FILENAME = "artifacts.zip";
/** What every archive object is stored as, whatever its uploader said. */
export const ARCHIVE_CONTENT_TYPE = "application/zip";

/** A fresh key per upload: a replaced archive never shares a key with the one it replaces. */
export const archiveKey = (job: Pick<Job, "id" | "project_id">) =>
  `artifacts/${job.project_id}/${job.id}/${crypto.randomUUID()}.zip`;

/**
 * Direct uploads land under the job's own prefix, which is how finalize knows the key is the
 * job's, and the key names the size its URL was signed for, which is how finalize knows what to
 * expect: storage only writes a key through a URL signed for it, so the size cannot be forged.
 */
export const directUploadKey = (job: Pick<Job, "id">, size: number) =>
  `uploads/${job.id}/${crypto.randomUUID()}-${size}.zip`;

/** The size a direct upload's URL was signed for, or null when `key` is not one of `job`'s upload keys. */
export function signedUploadSize(job: Pick<Job, "id">, key: string): number | null {
  const match = /^uploads\/(\d+)\/[0-9a-f-]{36}-(\d{1,16})\.zip$/.exec(key);
  if (!match || Number(match[1]) !== job.id) return null;
  return Number(match[2]);
}

/** How long an upload may be in flight before the cleanup takes its object for abandoned. */
export const UPLOAD_INSURANCE_MS = 24 * 3600 * 1000;
