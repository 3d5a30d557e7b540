import { adminCaller } from "../lib/auth/callers";
import { runCleanup } from "../lib/retention/cleanup";
import type { App } from "./app";

/**
 * POST /api/v4/admin/artifacts/cleanup: one pass of the scheduled cleanup, by hand (admin).
 * Answers what it removed: {"artifacts": rows, "bytes": their size, "objects": from storage}.
 */
export function register(app: App) {
  app.post("/api/v4/admin/artifacts/cleanup", async (c) => {
    await adminCaller(c);
    return c.json(await runCleanup(c.var.services), 200);
  });
}
