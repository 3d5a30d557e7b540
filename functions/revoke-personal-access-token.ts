import { caller } from "../lib/auth/callers";
import { isAdmin } from "../lib/auth/principal";
import { findPersonalAccessToken, revokePersonalAccessToken } from "../lib/auth/users";
import { badRequest, unauthorized } from "../lib/errors";
import { defineRoute, errorResponses } from "../lib/http/route";
import type { App } from "./app";

export const route = defineRoute({
  method: "delete",
  path: "/api/v4/personal_access_tokens/:id",
  operationId: "revokePersonalAccessToken",
  summary: "Revoke a personal access token",
  tags: ["Admin"],
  responses: { 204: { description: "Revoked" }, ...errorResponses(400, 401, 403, 404) },
});

/**
 * DELETE /api/v4/personal_access_tokens/:id: as lib/api/personal_access_tokens.rb, an admin
 * revokes any token and a user their own (PersonalAccessTokens::RevokeService); another's is
 * `bad_request!(nil)`. 204 with no body.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    const { db } = c.var.services;
    const principal = await caller(c);
    if (principal.kind === "anonymous") throw unauthorized();

    const token = await findPersonalAccessToken(db, c.req.param("id"));
    const own = principal.kind === "user" && principal.user.id === token.user_id;
    if (!own && !isAdmin(principal)) throw badRequest();
    await revokePersonalAccessToken(db, token.id);
    return c.body(null, 204);
  });
}
