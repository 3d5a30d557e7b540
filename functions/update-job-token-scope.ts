import { eq } from "drizzle-orm";
import { z } from "zod";
import { projectCaller, requireAccessToken } from "../lib/auth/callers";
import { boolish, parseParams } from "../lib/http/params";
import { readParams } from "../lib/http/request";
import { defineRoute, errorResponses, ProjectPathParams, paramsBody } from "../lib/http/route";
import { ACCESS_LEVELS, projects } from "../schema";
import type { App } from "./app";

const Params = z.object({ enabled: boolish });

export const route = defineRoute({
  method: "patch",
  path: "/api/v4/projects/:id/job_token_scope",
  operationId: "updateJobTokenScope",
  summary: "Turn a project's CI job token allowlist on or off",
  tags: ["Projects"],
  requestParams: { path: ProjectPathParams },
  requestBody: paramsBody(Params),
  responses: { 204: { description: "Updated" }, ...errorResponses(400, 401, 403, 404) },
});

/** PATCH /api/v4/projects/:id/job_token_scope: turns the inbound allowlist on or off. */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    requireAccessToken(c);
    const { db } = c.var.services;
    const params = parseParams(Params, await readParams(c));
    const { project } = await projectCaller(c, ACCESS_LEVELS.maintainer);

    await db
      .update(projects)
      .set({ ci_inbound_job_token_scope_enabled: params.enabled })
      .where(eq(projects.id, project.id));
    return c.body(null, 204);
  });
}
