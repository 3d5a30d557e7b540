import { authorizedDownload, jobIdParam, serveArchive } from "../lib/downloads/request";
import { archiveResponses, defineRoute, errorResponses, ProjectPathParams } from "../lib/http/route";
import type { App } from "./app";

export const route = defineRoute({
  method: "get",
  path: "/api/v4/projects/:id/jobs/:job_id/artifacts",
  operationId: "getJobArtifacts",
  summary: "Download a job's artifacts archive",
  tags: ["Job artifacts"],
  requestParams: { path: ProjectPathParams },
  responses: { ...archiveResponses, ...errorResponses(400, 401, 403, 404) },
});

/**
 * GET /api/v4/projects/:id/jobs/:job_id/artifacts: the job's archive, as a 302 to a presigned
 * storage URL. Job status, expiry and locks are not checked here, as in GitLab.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    const jobId = jobIdParam(c);
    const download = await authorizedDownload(c, { jobId });
    return serveArchive(c, download);
  });
}
