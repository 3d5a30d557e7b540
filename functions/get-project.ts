import { apiReader, readableProject } from "../lib/auth/reader";
import { ProjectSchema, projectEntity } from "../lib/http/entities";
import { baseUrl } from "../lib/http/request";
import { defineRoute, errorResponses, jsonResponse, ProjectPathParams } from "../lib/http/route";
import type { App } from "./app";

export const route = defineRoute({
  method: "get",
  path: "/api/v4/projects/:id",
  operationId: "getProject",
  summary: "A project",
  tags: ["Projects"],
  requestParams: { path: ProjectPathParams },
  responses: { 200: jsonResponse(ProjectSchema, "The project"), ...errorResponses(401, 403, 404) },
});

/**
 * GET /api/v4/projects/:id (lib/api/projects.rb): anyone who may read the project, anonymous
 * callers too on a public one; 404 Project Not Found for the others. Job tokens are not taken
 * here: a request with only one is anonymous. Signed-in callers also get `permissions`.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    const reader = await apiReader(c, { jobToken: false });
    const { project, accessLevel } = await readableProject(c, reader);
    return c.json(projectEntity(project, baseUrl(c), reader.kind === "anonymous" ? null : accessLevel));
  });
}
