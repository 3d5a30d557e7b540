import { apiReader, readableProject } from "../lib/auth/reader";
import { projectEntity } from "../lib/http/entities";
import { baseUrl } from "../lib/http/request";
import type { App } from "./app";

/**
 * GET /api/v4/projects/:id (lib/api/projects.rb): anyone who may read the project, anonymous
 * callers too on a public one; 404 Project Not Found for the others. Job tokens are not taken
 * here: a request with only one is anonymous. Signed-in callers also get `permissions`.
 */
export function register(app: App) {
  app.get("/api/v4/projects/:id", async (c) => {
    const reader = await apiReader(c, { jobToken: false });
    const { project, accessLevel } = await readableProject(c, reader);
    return c.json(projectEntity(project, baseUrl(c), reader.kind === "anonymous" ? null : accessLevel));
  });
}
