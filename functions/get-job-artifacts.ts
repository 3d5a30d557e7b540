import { redirectToArchive } from "../lib/downloads/archive";
import { archiveOf } from "../lib/downloads/lookup";
import { authorizedDownload, jobIdParam } from "../lib/downloads/request";
import type { App } from "./app";

/**
 * GET /api/v4/projects/:id/jobs/:job_id/artifacts: the job's archive, as a 302 to a presigned
 * storage URL. Job status, expiry and locks are not checked here, as in GitLab.
 */
export function register(app: App) {
  app.get("/api/v4/projects/:id/jobs/:job_id/artifacts", async (c) => {
    const jobId = jobIdParam(c);
    const { row, shared } = await authorizedDownload(c, { jobId });
    return redirectToArchive(c.var.services, c.req.raw, archiveOf(row), shared);
  });
}
