import { z } from "zod";
import { adminCaller } from "../lib/auth/callers";
import { defineRoute, errorResponses, jsonResponse } from "../lib/http/route";
import { runCleanup } from "../lib/retention/cleanup";
import type { App } from "./app";

export const route = defineRoute({
  method: "post",
  path: "/api/v4/admin/artifacts/cleanup",
  operationId: "runArtifactCleanup",
  summary: "Run one pass of the expired-artifact cleanup (admin)",
  tags: ["Admin"],
  responses: {
    200: jsonResponse(
      z.strictObject({ artifacts: z.number().int(), bytes: z.number(), objects: z.number().int() }),
      "What the pass removed",
    ),
    ...errorResponses(401, 403),
  },
});

/**
 * POST /api/v4/admin/artifacts/cleanup: one pass of the scheduled cleanup, by hand (admin).
 * Answers what it removed: {"artifacts": rows, "bytes": their size, "objects": from storage}.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    await adminCaller(c);
    return c.json(await runCleanup(c.var.services), 200);
  });
}
