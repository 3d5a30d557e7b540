import { and, eq, ne } from "drizzle-orm";
import { authenticate, requireScope } from "../lib/auth";
import { deleteNow, scheduleDeletion } from "../lib/cleanup";
import { credentials } from "../lib/http";
import { findProjectJob } from "../lib/jobs";
import { integerParam } from "../lib/params";
import { requireProjectRole } from "../lib/projects";
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
    const { db, config } = services;
    const jobId = integerParam(c.req.param("job_id"), "job_id");
    const principal = await authenticate(db, credentials(c), { adminToken: config.ADMIN_TOKEN, jobTokens: false });
    requireScope(principal, c.req.method);
    const { project } = await requireProjectRole(db, c.req.param("id"), principal, ACCESS_LEVELS.maintainer);
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
