import { projectCaller } from "../lib/auth/callers";
import { expireProjectArtifacts } from "../lib/retention/expire-project";
import { ACCESS_LEVELS } from "../schema";
import type { App } from "./app";

/**
 * DELETE /api/v4/projects/:id/artifacts: 202, and every artifact whose pipeline is not locked
 * expires now. Downloads keep working until the cleanup removes them.
 */
export function register(app: App) {
  app.delete("/api/v4/projects/:id/artifacts", async (c) => {
    const { db, now } = c.var.services;
    const { project } = await projectCaller(c, ACCESS_LEVELS.maintainer);
    await expireProjectArtifacts(db, project.id, now());
    return c.json({ message: "202 Accepted" }, 202);
  });
}
