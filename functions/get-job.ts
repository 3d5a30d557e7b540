import { apiReader, canReadBuilds, readableProject, requireReader } from "../lib/auth/reader";
import { findJobView } from "../lib/ci/job-list";
import { forbidden } from "../lib/errors";
import { JobSchema, jobEntity } from "../lib/http/entities";
import { integerParam } from "../lib/http/params";
import { baseUrl } from "../lib/http/request";
import { defineRoute, errorResponses, jsonResponse, ProjectPathParams } from "../lib/http/route";
import type { App } from "./app";

export const route = defineRoute({
  method: "get",
  path: "/api/v4/projects/:id/jobs/:job_id",
  operationId: "getJob",
  summary: "A project's job",
  tags: ["Jobs"],
  requestParams: { path: ProjectPathParams },
  responses: { 200: jsonResponse(JobSchema, "The job"), ...errorResponses(400, 401, 403, 404) },
});

/**
 * GET /api/v4/projects/:id/jobs/:job_id (lib/api/ci/jobs.rb): authenticate! (401, even on a
 * public project), the job_id (400), find_project! (404), read_build (403), the job (404 Not
 * found). Job tokens are not taken on this route in GitLab: one alone is anonymous, so 401.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
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
