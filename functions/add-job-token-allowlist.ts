import { z } from "zod";
import { projectCaller, requireAccessToken } from "../lib/auth/callers";
import { canReadProject, findProject } from "../lib/auth/project-access";
import { badRequest, badRequestMessage, notFound } from "../lib/errors";
import { idParam, parseParams } from "../lib/http/params";
import { readParams } from "../lib/http/request";
import { defineRoute, errorResponses, jsonResponse, ProjectPathParams, paramsBody } from "../lib/http/route";
import { ACCESS_LEVELS, jobTokenScopeLinks } from "../schema";
import type { App } from "./app";

const Params = z.object({ target_project_id: idParam });

const TARGET_UNREADABLE =
  "The target_project that you are attempting to access does not exist or you don't have permission to perform this action";

export const route = defineRoute({
  method: "post",
  path: "/api/v4/projects/:id/job_token_scope/allowlist",
  operationId: "addJobTokenAllowlist",
  summary: "Allow another project's CI jobs to use their job token here",
  tags: ["Projects"],
  requestParams: { path: ProjectPathParams },
  requestBody: paramsBody(Params),
  responses: {
    201: jsonResponse(
      z.strictObject({ source_project_id: z.number().int(), target_project_id: z.number().int() }),
      "The link",
    ),
    ...errorResponses(400, 401, 403, 404),
  },
});

/**
 * POST /api/v4/projects/:id/job_token_scope/allowlist: lets CI jobs of the target project use
 * their CI_JOB_TOKEN against this project. GitLab's lib/api/project_job_token_scope.rb: an unknown
 * target is `not_found!("target_project_id not found")`; Ci::JobTokenScope::AddProjectService
 * refuses a target the caller cannot read (EditScopeValidations) and the project itself
 * (ProjectScopeLink#not_self_referential_link), both as `bad_request!`.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    requireAccessToken(c);
    const { db } = c.var.services;
    const params = parseParams(Params, await readParams(c));
    const { project, principal } = await projectCaller(c, ACCESS_LEVELS.maintainer);

    const found = await findProject(db, String(params.target_project_id), principal);
    if (!found) throw notFound("target_project_id not found");
    if (!canReadProject(found, principal)) throw badRequest(TARGET_UNREADABLE);
    const target = found.project;
    if (target.id === project.id) {
      throw badRequest("Validation failed: Target project can't be the same as the source project");
    }
    const [link] = await db
      .insert(jobTokenScopeLinks)
      .values({ source_project_id: project.id, target_project_id: target.id })
      .onConflictDoNothing()
      .returning();
    // GitLab answers a duplicate with 400 and the model's validation message.
    if (!link) throw badRequestMessage("Target project is already in the job token scope");
    return c.json({ source_project_id: link.source_project_id, target_project_id: link.target_project_id }, 201);
  });
}
