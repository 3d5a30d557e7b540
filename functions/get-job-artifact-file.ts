import { deferredArtifactPath } from "../lib/downloads/artifact-path";
import { authorizedDownload, jobFileRawPath, jobIdParam, serveFile } from "../lib/downloads/request";
import { notFound } from "../lib/errors";
import type { App } from "./app";

/**
 * GET /api/v4/projects/:id/jobs/:job_id/artifacts/*artifact_path: one file out of the job's
 * archive, typed by its extension (Workhorse's legacy rule, kept for GitLab Pages' browser).
 */
export function register(app: App) {
  app.get("/api/v4/projects/:id/jobs/:job_id/artifacts/:artifact_path{[\\s\\S]+}", async (c) => {
    const jobId = jobIdParam(c);
    const path = deferredArtifactPath(jobFileRawPath(c));
    const download = await authorizedDownload(c, { jobId }, path.text);
    if (!download.job.availableArtifacts(c.var.services.now())) throw notFound();
    return serveFile(c, download, path.get(), { type: "extension", cache: "file" });
  });
}
