import { projectCaller, requireAccessToken } from "../lib/auth/callers";
import { findProjectJob, loadJobView } from "../lib/ci/jobs";
import { notFound } from "../lib/errors";
import { JobSchema, jobEntity } from "../lib/http/entities";
import { integerParam } from "../lib/http/params";
import { baseUrl } from "../lib/http/request";
import { defineRoute, errorResponses, jsonResponse, ProjectPathParams } from "../lib/http/route";
import { keepJobArtifacts } from "../lib/retention/keep";
import { ACCESS_LEVELS } from "../schema";
import type { App } from "./app";

export const route = defineRoute({
  method: "post",
  path: "/api/v4/projects/:id/jobs/:job_id/artifacts/keep",
  operationId: "keepJobArtifacts",
  summary: "Keep a job's artifacts (clear their expiry)",
  tags: ["Job artifacts"],
  requestParams: { path: ProjectPathParams },
  responses: { 200: jsonResponse(JobSchema, "The job"), ...errorResponses(400, 401, 403, 404) },
});

/**
 * POST /api/v4/projects/:id/jobs/:job_id/artifacts/keep: clears the expiry of the job and of all
 * its artifacts (Developer+; job tokens are not accepted here). 404 once they expired.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    requireAccessToken(c);
    const { db, now } = c.var.services;
    const jobId = integerParam(c.req.param("job_id"), "job_id");
    const { project } = await projectCaller(c, ACCESS_LEVELS.developer);
    const job = await findProjectJob(db, project.id, jobId);
    await keepJobArtifacts(db, job, now());
    const view = await loadJobView(db, job.id);
    if (!view) throw notFound();
    return c.json(jobEntity(view, baseUrl(c), now()), 200);
  });
}
