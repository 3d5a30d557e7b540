import { deferredArtifactPath } from "../lib/downloads/artifact-path";
import { SHARED_MAX_AGE } from "../lib/downloads/cache";
import { authorizedDownload, jobFileRawPath, jobIdParam, serveFile } from "../lib/downloads/request";
import { notFound } from "../lib/errors";
import type { App } from "./app";

/**
 * GET /api/v4/projects/:id/jobs/:job_id/artifacts/*artifact_path: one file out of the job's
 * archive, typed by its extension (Workhorse's legacy rule, kept for GitLab Pages' browser).
 */
export function register(app: App) {
  app.get("/api/v4/projects/:id/jobs/:job_id/artifacts/:artifact_path{.+}", async (c) => {
    const jobId = jobIdParam(c);
    const path = deferredArtifactPath(jobFileRawPath(c));
    const { row, shared } = await authorizedDownload(c, { jobId }, path.text);
    // available_artifacts?: unexpired, or kept by a locked pipeline; and an archive.
    const now = c.var.services.now();
    const current =
      row.build_expire_at === null || row.build_expire_at > now || row.pipeline_locked === "artifacts_locked";
    if (!current || row.archive_key === null) throw notFound();
    const valid = path.get();
    return serveFile(c, row, valid, "extension", shared ? SHARED_MAX_AGE.file : undefined);
  });
}
