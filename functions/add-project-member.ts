import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { projectCaller, requireAccessToken } from "../lib/auth/callers";
import { conflict, forbidden, notFound } from "../lib/errors";
import { idParam, parseParams } from "../lib/http/params";
import { readParams } from "../lib/http/request";
import { defineRoute, errorResponses, jsonResponse, ProjectPathParams, paramsBody } from "../lib/http/route";
import { ACCESS_LEVELS, projectMembers, users } from "../schema";
import type { App } from "./app";

const Params = z.object({
  user_id: idParam,
  access_level: z.coerce.number().pipe(z.union(Object.values(ACCESS_LEVELS).map((level) => z.literal(level)))),
});

export const route = defineRoute({
  method: "post",
  path: "/api/v4/projects/:id/members",
  operationId: "addProjectMember",
  summary: "Add a member to a project",
  tags: ["Projects"],
  requestParams: { path: ProjectPathParams },
  requestBody: paramsBody(Params),
  responses: {
    201: jsonResponse(
      z.strictObject({ id: z.number().int(), username: z.string(), access_level: z.number().int() }),
      "The member",
    ),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

/**
 * POST /api/v4/projects/:id/members: admins and the project's Maintainers add members; only
 * Owners (and admins) add Owners (app/services/members/create_service.rb raises AccessDeniedError,
 * after the API's own "Member already exists").
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    requireAccessToken(c);
    const { db } = c.var.services;
    const params = parseParams(Params, await readParams(c));
    const { project, accessLevel } = await projectCaller(c, ACCESS_LEVELS.maintainer);

    const [user] = await db.select().from(users).where(eq(users.id, params.user_id)).limit(1);
    if (!user) throw notFound("User");
    if (params.access_level === ACCESS_LEVELS.owner && accessLevel < ACCESS_LEVELS.owner) {
      const [existing] = await db
        .select({ user_id: projectMembers.user_id })
        .from(projectMembers)
        .where(and(eq(projectMembers.project_id, project.id), eq(projectMembers.user_id, user.id)))
        .limit(1);
      throw existing ? conflict("Member already exists") : forbidden();
    }
    const [member] = await db
      .insert(projectMembers)
      .values({ project_id: project.id, user_id: user.id, access_level: params.access_level })
      .onConflictDoNothing()
      .returning();
    if (!member) throw conflict("Member already exists");
    return c.json({ id: user.id, username: user.username, access_level: member.access_level }, 201);
  });
}
