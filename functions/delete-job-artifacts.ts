import { projectCaller, requireAccessToken } from "../lib/auth/callers";
import { findProjectJob } from "../lib/ci/jobs";
import { integerParam } from "../lib/http/params";
import { deleteJobArtifacts } from "../lib/retention/delete-job";
import { ACCESS_LEVELS } from "../schema";
import type { App } from "./app";

/**
 * DELETE /api/v4/projects/:id/jobs/:job_id/artifacts: every artifact of the job goes at once,
 * locked or not (Maintainer+). 204 even if it had none.
 */
export function register(app: App) {
  app.delete("/api/v4/projects/:id/jobs/:job_id/artifacts", async (c) => {
    requireAccessToken(c);
    const jobId = integerParam(c.req.param("job_id"), "job_id");
    const { project } = await projectCaller(c, ACCESS_LEVELS.maintainer);
    const job = await findProjectJob(c.var.services.db, project.id, jobId);
    await deleteJobArtifacts(c.var.services, job);
    return c.body(null, 204);
  });
}
