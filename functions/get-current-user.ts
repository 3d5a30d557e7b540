import { apiReader, requireReader } from "../lib/auth/reader";
import { notFound } from "../lib/errors";
import { CurrentUserSchema, currentUserEntity } from "../lib/http/entities";
import { baseUrl } from "../lib/http/request";
import { defineRoute, errorResponses, jsonResponse } from "../lib/http/route";
import type { App } from "./app";

export const route = defineRoute({
  method: "get",
  path: "/api/v4/user",
  operationId: "getCurrentUser",
  summary: "The token's user",
  tags: ["Users"],
  responses: { 200: jsonResponse(CurrentUserSchema, "The user"), ...errorResponses(401, 403, 404) },
});

/**
 * GET /api/v4/user: the token's user (lib/api/users.rb, `resource :user`): 401 without one,
 * `read_user` enough. Job tokens are not taken here. The ADMIN_TOKEN is no user: 404.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    const reader = await apiReader(c, { jobToken: false, extraScopes: ["read_user"] });
    requireReader(reader);
    if (reader.kind !== "user") throw notFound("User");
    return c.json(currentUserEntity(reader.user, baseUrl(c)));
  });
}
