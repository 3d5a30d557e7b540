import { sql } from "drizzle-orm";
import { authenticate, requireScope } from "../lib/auth";
import { credentials } from "../lib/http";
import { requireProjectRole } from "../lib/projects";
import { ACCESS_LEVELS } from "../schema";
import type { App } from "./app";

/**
 * DELETE /api/v4/projects/:id/artifacts: 202, and every artifact whose pipeline is not locked
 * expires now (GitLab's ExpireProjectBuildArtifactsService, one statement here). Downloads keep
 * working until the cleanup removes them; locked (latest) pipelines keep theirs.
 */
export function register(app: App) {
  app.delete("/api/v4/projects/:id/artifacts", async (c) => {
    const { db, config, now } = c.var.services;
    const principal = await authenticate(db, credentials(c), { adminToken: config.ADMIN_TOKEN, jobTokens: false });
    requireScope(principal, c.req.method);
    const { project } = await requireProjectRole(db, c.req.param("id"), principal, ACCESS_LEVELS.maintainer);

    await db.execute(sql`
      update job_artifacts a set expire_at = ${now()}, locked = 'unlocked'
      from jobs j join pipelines p on p.id = j.pipeline_id
      where a.job_id = j.id and a.project_id = ${project.id} and a.file_type <> 'trace' and p.locked = 'unlocked'`);
    return c.json({ message: "202 Accepted" }, 202);
  });
}
