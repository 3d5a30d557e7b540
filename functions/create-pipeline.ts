import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { projectCaller, requireAccessToken } from "../lib/auth/callers";
import { actingUserId } from "../lib/ci/acting-user";
import { createPipeline } from "../lib/ci/pipelines";
import { badRequest, notFound } from "../lib/errors";
import { PipelineSchema, pipelineEntity } from "../lib/http/entities";
import { boolish, idParam, parseParams } from "../lib/http/params";
import { baseUrl, readParams } from "../lib/http/request";
import { defineRoute, errorResponses, jsonResponse, ProjectPathParams, paramsBody } from "../lib/http/route";
import { ACCESS_LEVELS, pipelines } from "../schema";
import { SOURCES } from "../schema/pipelines";
import type { App } from "./app";

const Params = z.object({
  ref: z.string().min(1).max(1024),
  sha: z
    .string()
    .regex(/^[0-9a-f]{40}$|^[0-9a-f]{64}$/)
    .optional(),
  tag: boolish.optional(),
  source: z.enum(SOURCES).optional(),
  parent_pipeline_id: idParam.optional(),
  user_id: idParam.optional(),
});

export const route = defineRoute({
  method: "post",
  path: "/api/v4/projects/:id/pipelines",
  operationId: "createPipeline",
  summary: "Create a pipeline (in place of .gitlab-ci.yml)",
  tags: ["Pipelines"],
  requestParams: { path: ProjectPathParams },
  requestBody: paramsBody(Params),
  responses: { 201: jsonResponse(PipelineSchema, "The pipeline"), ...errorResponses(400, 401, 403, 404) },
});

/**
 * POST /api/v4/projects/:id/pipelines: ours (GitLab builds pipelines from .gitlab-ci.yml).
 * Admins and the project's Developers create them; a pipeline with a parent is a child
 * pipeline (source parent_pipeline) of the same project.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    requireAccessToken(c);
    const { db } = c.var.services;
    const params = parseParams(Params, await readParams(c));
    const { project, principal } = await projectCaller(c, ACCESS_LEVELS.developer);

    if (params.parent_pipeline_id !== undefined) {
      const [parent] = await db
        .select({ id: pipelines.id })
        .from(pipelines)
        .where(and(eq(pipelines.id, params.parent_pipeline_id), eq(pipelines.project_id, project.id)))
        .limit(1);
      if (!parent) throw notFound("Parent pipeline");
    } else if (params.source === "parent_pipeline") {
      throw badRequest("a parent_pipeline source needs parent_pipeline_id");
    }
    const userId = await actingUserId(db, principal, params.user_id);
    const pipeline = await createPipeline(db, project, {
      ref: params.ref,
      sha: params.sha ?? randomBytes(20).toString("hex"),
      tag: params.tag ?? false,
      source: params.parent_pipeline_id !== undefined ? "parent_pipeline" : (params.source ?? "api"),
      parentPipelineId: params.parent_pipeline_id ?? null,
      userId,
    });
    return c.json(pipelineEntity(pipeline, project, baseUrl(c)), 201);
  });
}
