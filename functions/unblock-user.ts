import { z } from "zod";
import { adminCaller, requireAccessToken } from "../lib/auth/callers";
import { findUser, setUserState } from "../lib/auth/users";
import { forbidden } from "../lib/errors";
import { integerParam } from "../lib/http/params";
import { defineRoute, errorResponses, jsonResponse } from "../lib/http/route";
import type { App } from "./app";

export const route = defineRoute({
  method: "post",
  path: "/api/v4/users/:id/unblock",
  operationId: "unblockUser",
  summary: "Unblock a user (admin)",
  tags: ["Admin"],
  responses: {
    201: jsonResponse(z.boolean(), "`true`, or `false` when the user was not blocked"),
    ...errorResponses(400, 401, 403, 404),
  },
});

/**
 * POST /api/v4/users/:id/unblock: admins make a blocked user active again. As lib/api/users.rb:
 * 201 with `user.activate`'s result (`false` for a user who was not blocked); a deactivated user
 * stays so.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    requireAccessToken(c);
    const { db } = c.var.services;
    const id = integerParam(c.req.param("id"), "id");
    await adminCaller(c);

    const user = await findUser(db, id);
    if (user.state === "deactivated") throw forbidden("Deactivated users cannot be unblocked by the API");
    if (user.state !== "blocked") return c.json(false, 201);
    await setUserState(db, user, "active");
    return c.json(true, 201);
  });
}
