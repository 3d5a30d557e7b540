import { caller } from "../lib/auth/callers";
import { requireAdmin } from "../lib/auth/principal";
import { runCleanup } from "../lib/retention/cleanup";
import type { App } from "./app";

/**
 * POST /api/v4/admin/artifacts/cleanup: one pass of the scheduled cleanup, by hand (admin).
 * Answers what it removed: {"artifacts": rows, "bytes": their size, "objects": from storage}.
 */
export function register(app: App) {
  app.post("/api/v4/admin/artifacts/cleanup", async (c) => {
    requireAdmin(await caller(c), c.req.method);
    return c.json(await runCleanup(c.var.services), 200);
  });
}
