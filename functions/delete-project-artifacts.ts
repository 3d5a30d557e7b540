import { sql } from "drizzle-orm";
import { projectCaller } from "../lib/http";
import { ACCESS_LEVELS } from "../schema";
import type { App } from "./app";

/**
 * DELETE /api/v4/projects/:id/artifacts: 202, and every artifact whose pipeline is not locked
 * expires now (GitLab's ExpireProjectBuildArtifactsService, one statement here). Downloads keep
 * working until the cleanup removes them; locked (latest) pipelines keep theirs.
 */
export function register(app: App) {
  app.delete("/api/v4/projects/:id/artifacts", async (c) => {
    const { db, now } = c.var.services;
    const { project } = await projectCaller(c, ACCESS_LEVELS.maintainer);

    await db.execute(sql`
      update job_artifacts a set expire_at = ${now()}, locked = 'unlocked'
      from jobs j join pipelines p on p.id = j.pipeline_id
      where a.job_id = j.id and a.project_id = ${project.id} and a.file_type <> 'trace' and p.locked = 'unlocked'`);
    return c.json({ message: "202 Accepted" }, 202);
  });
}
