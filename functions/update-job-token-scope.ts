import { eq } from "drizzle-orm";
import { z } from "zod";
import { authenticate, requireScope } from "../lib/auth";
import { credentials, readParams } from "../lib/http";
import { boolish, parseParams } from "../lib/params";
import { requireProjectRole } from "../lib/projects";
import { ACCESS_LEVELS, projects } from "../schema";
import type { App } from "./app";

const Params = z.object({ enabled: boolish });

/** PATCH /api/v4/projects/:id/job_token_scope: turns the inbound allowlist on or off. */
export function register(app: App) {
  app.patch("/api/v4/projects/:id/job_token_scope", async (c) => {
    const { db, config } = c.var.services;
    const params = parseParams(Params, await readParams(c));
    const principal = await authenticate(db, credentials(c), { adminToken: config.ADMIN_TOKEN, jobTokens: false });
    requireScope(principal, c.req.method);
    const { project } = await requireProjectRole(db, c.req.param("id"), principal, ACCESS_LEVELS.maintainer);

    await db
      .update(projects)
      .set({ ci_inbound_job_token_scope_enabled: params.enabled })
      .where(eq(projects.id, project.id));
    return c.body(null, 204);
  });
}
