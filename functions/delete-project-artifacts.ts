import { projectCaller } from "../lib/auth/callers";
import { defineRoute, errorResponses, jsonResponse, MessageError, ProjectPathParams } from "../lib/http/route";
import { expireProjectArtifacts } from "../lib/retention/expire-project";
import { ACCESS_LEVELS } from "../schema";
import type { App } from "./app";

export const route = defineRoute({
  method: "delete",
  path: "/api/v4/projects/:id/artifacts",
  operationId: "deleteProjectArtifacts",
  summary: "Expire every artifact of a project's unlocked pipelines",
  tags: ["Job artifacts"],
  requestParams: { path: ProjectPathParams },
  responses: {
    202: jsonResponse(MessageError, 'Accepted: `{"message":"202 Accepted"}`'),
    ...errorResponses(401, 403, 404),
  },
});

/**
 * DELETE /api/v4/projects/:id/artifacts: 202, and every artifact whose pipeline is not locked
 * expires now. Downloads keep working until the cleanup removes them.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    const { db, now } = c.var.services;
    const { project } = await projectCaller(c, ACCESS_LEVELS.maintainer);
    await expireProjectArtifacts(db, project.id, now());
    return c.json({ message: "202 Accepted" }, 202);
  });
}
