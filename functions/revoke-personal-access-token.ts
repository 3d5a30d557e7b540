import { caller } from "../lib/auth/callers";
import { isAdmin } from "../lib/auth/principal";
import { findPersonalAccessToken, revokePersonalAccessToken } from "../lib/auth/users";
import { badRequest, unauthorized } from "../lib/errors";
import type { App } from "./app";

/**
 * DELETE /api/v4/personal_access_tokens/:id: as lib/api/personal_access_tokens.rb, an admin
 * revokes any token and a user their own (PersonalAccessTokens::RevokeService); another's is
 * `bad_request!(nil)`. 204 with no body.
 */
export function register(app: App) {
  app.delete("/api/v4/personal_access_tokens/:id", async (c) => {
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
