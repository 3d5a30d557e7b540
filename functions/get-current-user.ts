import { apiReader, requireReader } from "../lib/auth/reader";
import { notFound } from "../lib/errors";
import { currentUserEntity } from "../lib/http/entities";
import { baseUrl } from "../lib/http/request";
import type { App } from "./app";

/**
 * GET /api/v4/user: the token's user (lib/api/users.rb, `resource :user`): 401 without one,
 * `read_user` enough. Job tokens are not taken here. The ADMIN_TOKEN is no user: 404.
 */
export function register(app: App) {
  app.get("/api/v4/user", async (c) => {
    const reader = await apiReader(c, { jobToken: false, extraScopes: ["read_user"] });
    requireReader(reader);
    if (reader.kind !== "user") throw notFound("User");
    return c.json(currentUserEntity(reader.user, baseUrl(c)));
  });
}
