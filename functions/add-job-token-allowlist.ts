import { eq } from "drizzle-orm";
import { z } from "zod";
import { projectCaller } from "../lib/auth/callers";
import { badRequestMessage, notFound } from "../lib/errors";
import { idParam, parseParams } from "../lib/http/params";
import { readParams } from "../lib/http/request";
import { ACCESS_LEVELS, jobTokenScopeLinks, projects } from "../schema";
import type { App } from "./app";

const Params = z.object({ target_project_id: idParam });

/**
 * POST /api/v4/projects/:id/job_token_scope/allowlist: lets CI jobs of the target project use
 * their CI_JOB_TOKEN against this project.
 */
export function register(app: App) {
  app.post("/api/v4/projects/:id/job_token_scope/allowlist", async (c) => {
    const { db } = c.var.services;
    const params = parseParams(Params, await readParams(c));
    const { project } = await projectCaller(c, ACCESS_LEVELS.maintainer);

    const [target] = await db
      .select({ id: projects.id })
      .from(projects)
      .where(eq(projects.id, params.target_project_id))
      .limit(1);
    if (!target) throw notFound("Project");
    const [link] = await db
      .insert(jobTokenScopeLinks)
      .values({ source_project_id: project.id, target_project_id: target.id })
      .onConflictDoNothing()
      .returning();
    // GitLab answers a duplicate with 400 and the model's validation message.
    if (!link) throw badRequestMessage("Target project is already in the job token scope");
    return c.json({ source_project_id: link.source_project_id, target_project_id: link.target_project_id }, 201);
  });
}
