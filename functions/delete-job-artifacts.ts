import { and, eq, ne } from "drizzle-orm";
import { deleteNow, scheduleDeletion } from "../lib/cleanup";
import { projectCaller } from "../lib/http";
import { findProjectJob } from "../lib/jobs";
import { integerParam } from "../lib/params";
import { ACCESS_LEVELS, jobArtifacts } from "../schema";
import type { App } from "./app";

/**
 * DELETE /api/v4/projects/:id/jobs/:job_id/artifacts: every artifact of the job goes at once,
 * locked or not (Maintainer+). Rows and their objects' deletion schedule change in one
 * transaction; the objects are deleted right after (or by the cleanup). 204 even if empty.
 */
export function register(app: App) {
  app.delete("/api/v4/projects/:id/jobs/:job_id/artifacts", async (c) => {
    const services = c.var.services;
    const { db } = services;
    const jobId = integerParam(c.req.param("job_id"), "job_id");
    const { project } = await projectCaller(c, ACCESS_LEVELS.maintainer);
    const job = await findProjectJob(db, project.id, jobId);

    const keys = await db.transaction(async (tx) => {
      // GitLab erases every type but the job log (trace).
      const removed = await tx
        .delete(jobArtifacts)
        .where(and(eq(jobArtifacts.job_id, job.id), ne(jobArtifacts.file_type, "trace")))
        .returning({ key: jobArtifacts.storage_key });
      const removedKeys = removed.map((r) => r.key);
      await scheduleDeletion(tx, removedKeys, services.now());
      return removedKeys;
    });
    await deleteNow(services, keys);
    return c.body(null, 204);
  });
}
