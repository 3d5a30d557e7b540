import { z } from "zod";
import { adminCaller, requireAccessToken } from "../lib/auth/callers";
import { conflict } from "../lib/errors";
import { CreatedUserSchema, createdUserEntity } from "../lib/http/entities";
import { boolish, parseParams } from "../lib/http/params";
import { readParams } from "../lib/http/request";
import { defineRoute, errorResponses, jsonResponse, paramsBody } from "../lib/http/route";
import { users } from "../schema";
import type { App } from "./app";

const Params = z.object({
  username: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/),
  name: z.string().min(1).max(255).optional(),
  email: z.email().optional(),
  admin: boolish.optional(),
});

export const route = defineRoute({
  method: "post",
  path: "/api/v4/users",
  operationId: "createUser",
  summary: "Create a user (admin)",
  tags: ["Admin"],
  requestBody: paramsBody(Params),
  responses: { 201: jsonResponse(CreatedUserSchema, "The user"), ...errorResponses(400, 401, 403, 409) },
});

/** POST /api/v4/users: an admin creates a user (GitLab's admin users API). */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    requireAccessToken(c);
    const { db } = c.var.services;
    const params = parseParams(Params, await readParams(c));
    await adminCaller(c);

    const [user] = await db
      .insert(users)
      .values({
        username: params.username,
        name: params.name ?? params.username,
        email: params.email ?? null,
        admin: params.admin ?? false,
      })
      .onConflictDoNothing()
      .returning();
    if (!user) throw conflict("Username has already been taken");
    return c.json(createdUserEntity(user), 201);
  });
}
