import { eq } from "drizzle-orm";
import { z } from "zod";
import { adminCaller, requireAccessToken } from "../lib/auth/callers";
import { patExpiredOn } from "../lib/auth/rules";
import { newToken, PAT_PREFIX, sha256Hex } from "../lib/auth/tokens";
import { notFound } from "../lib/errors";
import { iso } from "../lib/http/entities";
import { integerParam, parseParams } from "../lib/http/params";
import { readParams } from "../lib/http/request";
import { defineRoute, errorResponses, jsonResponse, paramsBody } from "../lib/http/route";
import { personalAccessTokens, users } from "../schema";
import type { App } from "./app";

/** Scopes GitLab knows for personal access tokens; only api and read_api open this API. */
const SCOPES = [
  "api",
  "read_api",
  "read_user",
  "read_repository",
  "write_repository",
  "read_registry",
  "write_registry",
  "sudo",
  "admin_mode",
] as const;

const Params = z.object({
  name: z.string().min(1).max(255),
  scopes: z.preprocess((value) => (typeof value === "string" ? [value] : value), z.array(z.enum(SCOPES)).min(1)),
  // Year 0 parses as an ISO date but PostgreSQL has no such year: "expires_at is invalid", not a 500.
  expires_at: z.iso
    .date()
    .refine((date) => !date.startsWith("0000"))
    .optional(),
});

const PersonalAccessTokenSchema = z
  .strictObject({
    id: z.number().int(),
    name: z.string(),
    user_id: z.number().int(),
    scopes: z.array(z.string()),
    expires_at: z.string().nullable().meta({ format: "date" }),
    active: z.boolean(),
    revoked: z.boolean(),
    created_at: z.string().nullable().meta({ format: "date-time" }),
    token: z.string().meta({ description: "Shown this once" }),
  })
  .meta({ id: "PersonalAccessTokenWithToken" });

export const route = defineRoute({
  method: "post",
  path: "/api/v4/users/:user_id/personal_access_tokens",
  operationId: "createPersonalAccessToken",
  summary: "Create a personal access token for a user (admin)",
  tags: ["Admin"],
  requestBody: paramsBody(Params),
  responses: {
    201: jsonResponse(PersonalAccessTokenSchema, "The token, shown this once"),
    ...errorResponses(400, 401, 403, 404),
  },
});

/** POST /api/v4/users/:user_id/personal_access_tokens: the token is in the answer, and only there. */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    requireAccessToken(c);
    const { db } = c.var.services;
    const userId = integerParam(c.req.param("user_id"), "user_id");
    const params = parseParams(Params, await readParams(c));
    await adminCaller(c);

    const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1);
    if (!user) throw notFound("User");
    const token = newToken(PAT_PREFIX);
    const [row] = await db
      .insert(personalAccessTokens)
      .values({
        user_id: user.id,
        name: params.name,
        token_digest: sha256Hex(token),
        scopes: [...new Set(params.scopes)],
        expires_at: params.expires_at ?? null,
      })
      .returning();
    if (!row) throw new Error("token insert returned no row");
    return c.json(
      {
        id: row.id,
        name: row.name,
        user_id: row.user_id,
        scopes: row.scopes,
        expires_at: row.expires_at,
        active: !row.revoked && !patExpiredOn(row.expires_at, c.var.services.now()),
        revoked: row.revoked,
        created_at: iso(row.created_at),
        token,
      },
      201,
    );
  });
}
