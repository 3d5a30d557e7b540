import { apiReader, canReadBuilds, readableProject } from "../lib/auth/reader";
import { findPipelineView } from "../lib/ci/pipeline-list";
import { forbidden } from "../lib/errors";
import { PipelineDetailSchema, pipelineDetailEntity } from "../lib/http/entities";
import { integerParam } from "../lib/http/params";
import { baseUrl } from "../lib/http/request";
import { defineRoute, errorResponses, jsonResponse, ProjectPathParams } from "../lib/http/route";
import type { App } from "./app";

export const route = defineRoute({
  method: "get",
  path: "/api/v4/projects/:id/pipelines/:pipeline_id",
  operationId: "getPipeline",
  summary: "A pipeline",
  tags: ["Pipelines"],
  requestParams: { path: ProjectPathParams },
  responses: { 200: jsonResponse(PipelineDetailSchema, "The pipeline"), ...errorResponses(400, 401, 403, 404) },
});

/**
 * GET /api/v4/projects/:id/pipelines/:pipeline_id (lib/api/ci/pipelines.rb): find_project! (404),
 * the pipeline (404 Not found), then read_pipeline on it (403). Anonymous callers too; job
 * tokens are not taken here.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    const reader = await apiReader(c, { jobToken: false });
    const pipelineId = integerParam(c.req.param("pipeline_id"), "pipeline_id");
    const access = await readableProject(c, reader);
    const view = await findPipelineView(c.var.services.db, access.project.id, pipelineId);
    if (!canReadBuilds(access)) throw forbidden();
    return c.json(pipelineDetailEntity(view, access.project, baseUrl(c)));
  });
}
