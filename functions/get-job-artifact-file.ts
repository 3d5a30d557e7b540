import { deferredArtifactPath } from "../lib/downloads/artifact-path";
import { authorizedDownload, jobFileRawPath, jobIdParam, serveFile } from "../lib/downloads/request";
import { notFound } from "../lib/errors";
import { defineRoute, entryResponses, ProjectPathParams } from "../lib/http/route";
import type { App } from "./app";

export const route = defineRoute({
  method: "get",
  path: "/api/v4/projects/:id/jobs/:job_id/artifacts/:artifact_path{[\\s\\S]+}",
  operationId: "getJobArtifactFile",
  summary: "Download one file of a job's artifacts",
  tags: ["Job artifacts"],
  requestParams: { path: ProjectPathParams },
  responses: entryResponses,
});

/**
 * GET /api/v4/projects/:id/jobs/:job_id/artifacts/*artifact_path: one file out of the job's
 * archive, typed by its extension (Workhorse's legacy rule, kept for GitLab Pages' browser).
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    const jobId = jobIdParam(c);
    const path = deferredArtifactPath(jobFileRawPath(c));
    const download = await authorizedDownload(c, { jobId }, path.text);
    if (!download.job.availableArtifacts(c.var.services.now())) throw notFound();
    return serveFile(c, download, path.get(), { type: "extension", cache: "file" });
  });
}
