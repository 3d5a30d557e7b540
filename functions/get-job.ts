import { apiReader, canReadBuilds, readableProject, requireReader } from "../lib/auth/reader";
import { findJobView } from "../lib/ci/job-list";
import { forbidden } from "../lib/errors";
import { jobEntity } from "../lib/http/entities";
import { integerParam } from "../lib/http/params";
import { baseUrl } from "../lib/http/request";
import type { App } from "./app";

/**
 * GET /api/v4/projects/:id/jobs/:job_id (lib/api/ci/jobs.rb): authenticate! (401, even on a
 * public project), the job_id (400), find_project! (404), read_build (403), the job (404 Not
 * found). Job tokens are not taken on this route in GitLab: one alone is anonymous, so 401.
 */
export function register(app: App) {
  app.get("/api/v4/projects/:id/jobs/:job_id", async (c) => {
    const { db, now } = c.var.services;
    const reader = await apiReader(c, { jobToken: false });
    requireReader(reader);
    const jobId = integerParam(c.req.param("job_id"), "job_id");
    const access = await readableProject(c, reader);
    if (!canReadBuilds(access)) throw forbidden();
    const view = await findJobView(db, access.project.id, jobId);
    return c.json(jobEntity(view, baseUrl(c), now()));
  });
}
