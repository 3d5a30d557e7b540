import { and, eq, sql } from "drizzle-orm";
import { jobEntity } from "../lib/entities";
import { notFound } from "../lib/errors";
import { baseUrl, projectCaller } from "../lib/http";
import { findProjectJob, loadJobView } from "../lib/jobs";
import { integerParam } from "../lib/params";
import { ACCESS_LEVELS, jobArtifacts, jobs } from "../schema";
import type { App } from "./app";

/**
 * POST /api/v4/projects/:id/jobs/:job_id/artifacts/keep: clears the expiry of the job and of all
 * its artifacts (Developer+; job tokens are not accepted here). 404 once they expired.
 */
export function register(app: App) {
  app.post("/api/v4/projects/:id/jobs/:job_id/artifacts/keep", async (c) => {
    const { db, now } = c.var.services;
    const jobId = integerParam(c.req.param("job_id"), "job_id");
    const { project } = await projectCaller(c, ACCESS_LEVELS.developer);
    const job = await findProjectJob(db, project.id, jobId);

    // build.artifacts?: not expired, and an archive exists.
    const [archive] = await db
      .select({ id: jobArtifacts.id })
      .from(jobArtifacts)
      .where(and(eq(jobArtifacts.job_id, job.id), eq(jobArtifacts.file_type, "archive")))
      .limit(1);
    if (!archive || (job.artifacts_expire_at !== null && job.artifacts_expire_at <= now())) throw notFound();

    await db.transaction(async (tx) => {
      await tx.update(jobs).set({ artifacts_expire_at: null }).where(eq(jobs.id, job.id));
      await tx.update(jobArtifacts).set({ expire_at: sql`null` }).where(eq(jobArtifacts.job_id, job.id));
    });
    const view = await loadJobView(db, job.id);
    if (!view) throw notFound();
    return c.json(jobEntity(view, baseUrl(c), now()), 200);
  });
}
