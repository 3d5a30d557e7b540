import { z } from "zod";
import { adminCaller, requireAccessToken } from "../lib/auth/callers";
import { projectWebUrl } from "../lib/auth/project-access";
import { validationError } from "../lib/errors";
import { boolish, parseParams } from "../lib/http/params";
import { baseUrl, readParams } from "../lib/http/request";
import { defineRoute, errorResponses, jsonResponse, paramsBody } from "../lib/http/route";
import { projects } from "../schema";
import type { App } from "./app";

// GitLab's path rules: letters, digits, '_', '-', '.', not starting with '-' or '.'.
const segment = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

const Params = z.object({
  path: z.string().max(255).regex(segment),
  namespace: z
    .string()
    .max(1000)
    .refine((value) => value.split("/").every((part) => segment.test(part)))
    .optional(),
  visibility: z.enum(["public", "internal", "private"]).optional(),
  public_builds: boolish.optional(),
  keep_latest_artifact: boolish.optional(),
});

const CreatedProjectSchema = z
  .strictObject({
    id: z.number().int(),
    path: z.string(),
    path_with_namespace: z.string(),
    visibility: z.enum(["public", "internal", "private"]),
    public_builds: z.boolean(),
    keep_latest_artifact: z.boolean(),
    web_url: z.string(),
  })
  .meta({ id: "CreatedProject" });

export const route = defineRoute({
  method: "post",
  path: "/api/v4/projects",
  operationId: "createProject",
  summary: "Create a project (admin)",
  tags: ["Admin"],
  requestBody: paramsBody(Params),
  responses: { 201: jsonResponse(CreatedProjectSchema, "The project"), ...errorResponses(400, 401, 403) },
});

/**
 * POST /api/v4/projects: an admin creates a project under a namespace path ("group/sub");
 * without one it goes under "root", GitLab's first admin.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    requireAccessToken(c);
    const { db } = c.var.services;
    const params = parseParams(Params, await readParams(c));
    await adminCaller(c);

    const namespace = params.namespace ?? "root";
    const [project] = await db
      .insert(projects)
      .values({
        path: params.path,
        namespace,
        full_path: `${namespace}/${params.path}`,
        visibility: params.visibility ?? "private",
        public_builds: params.public_builds ?? true,
        keep_latest_artifact: params.keep_latest_artifact ?? true,
      })
      .onConflictDoNothing()
      .returning();
    // GitLab's render_validation_error!
    if (!project) throw validationError("path", ["has already been taken"]);
    return c.json(
      {
        id: project.id,
        path: project.path,
        path_with_namespace: project.full_path,
        visibility: project.visibility,
        public_builds: project.public_builds,
        keep_latest_artifact: project.keep_latest_artifact,
        web_url: projectWebUrl(baseUrl(c), project),
      },
      201,
    );
  });
}
