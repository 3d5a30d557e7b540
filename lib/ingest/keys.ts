import type { Job } from "../../schema";

export const ARCHIVE_FILENAME = "artifacts.zip";

/** A fresh key per upload: a replaced archive never shares a key with the one it replaces. */
export const archiveKey = (job: Pick<Job, "id" | "project_id">) =>
  `artifacts/${job.project_id}/${job.id}/${crypto.randomUUID()}.zip`;

/** Direct uploads land under the job's own prefix, which is how finalize knows the key is the job's. */
export const directUploadPrefix = (job: Pick<Job, "id">) => `uploads/${job.id}/`;
export const directUploadKey = (job: Pick<Job, "id">) => `${directUploadPrefix(job)}${crypto.randomUUID()}.zip`;

/** How long an upload may be in flight before the cleanup takes its object for abandoned. */
export const UPLOAD_INSURANCE_MS = 24 * 3600 * 1000;
