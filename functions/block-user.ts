import { z } from "zod";
import { adminCaller, requireAccessToken } from "../lib/auth/callers";
import { findUser, setUserState } from "../lib/auth/users";
import { forbidden } from "../lib/errors";
import { integerParam } from "../lib/http/params";
import { defineRoute, errorResponses, jsonResponse } from "../lib/http/route";
import type { App } from "./app";

export const route = defineRoute({
  method: "post",
  path: "/api/v4/users/:id/block",
  operationId: "blockUser",
  summary: "Block a user (admin)",
  tags: ["Admin"],
  responses: {
    201: jsonResponse(z.literal(true).nullable(), "`true`, or `null` when the user was blocked already"),
    ...errorResponses(400, 401, 403, 404),
  },
});

/**
 * POST /api/v4/users/:id/block: admins block a user, whose tokens and jobs' tokens then get 403
 * "Your account has been blocked.". As lib/api/users.rb: 201 `true`, or `null` when the user was
 * blocked already; an admin cannot block themselves.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    requireAccessToken(c);
    const { db } = c.var.services;
    const id = integerParam(c.req.param("id"), "id");
    const principal = await adminCaller(c);

    const user = await findUser(db, id);
    if (principal.kind === "user" && principal.user.id === user.id) {
      throw forbidden("The API initiating user cannot be blocked by the API");
    }
    if (user.state === "blocked") return c.json(null, 201);
    await setUserState(db, user, "blocked");
    return c.json(true, 201);
  });
}
