import { authorizedDownload, jobIdParam, serveArchive } from "../lib/downloads/request";
import type { App } from "./app";

/**
 * GET /api/v4/projects/:id/jobs/:job_id/artifacts: the job's archive, as a 302 to a presigned
 * storage URL. Job status, expiry and locks are not checked here, as in GitLab.
 */
export function register(app: App) {
  app.get("/api/v4/projects/:id/jobs/:job_id/artifacts", async (c) => {
    const jobId = jobIdParam(c);
    const download = await authorizedDownload(c, { jobId });
    return serveArchive(c, download);
  });
}
