import { projectCaller, requireAccessToken } from "../lib/auth/callers";
import { findProjectJob } from "../lib/ci/jobs";
import { integerParam } from "../lib/http/params";
import { defineRoute, errorResponses, ProjectPathParams } from "../lib/http/route";
import { deleteJobArtifacts } from "../lib/retention/delete-job";
import { ACCESS_LEVELS } from "../schema";
import type { App } from "./app";

export const route = defineRoute({
  method: "delete",
  path: "/api/v4/projects/:id/jobs/:job_id/artifacts",
  operationId: "deleteJobArtifacts",
  summary: "Delete a job's artifacts",
  tags: ["Job artifacts"],
  requestParams: { path: ProjectPathParams },
  responses: { 204: { description: "Deleted (or there were none)" }, ...errorResponses(400, 401, 403, 404) },
});

/**
 * DELETE /api/v4/projects/:id/jobs/:job_id/artifacts: every artifact of the job goes at once,
 * locked or not (Maintainer+). 204 even if it had none.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    requireAccessToken(c);
    const jobId = integerParam(c.req.param("job_id"), "job_id");
    const { project } = await projectCaller(c, ACCESS_LEVELS.maintainer);
    const job = await findProjectJob(c.var.services.db, project.id, jobId);
    await deleteJobArtifacts(c.var.services, job);
    return c.body(null, 204);
  });
}
