import { z } from "zod";
import { apiReader, canReadBuilds, readableProject } from "../lib/auth/reader";
import { latestPipelineView } from "../lib/ci/pipeline-list";
import { forbidden } from "../lib/errors";
import { PipelineDetailSchema, pipelineDetailEntity } from "../lib/http/entities";
import { baseUrl, queryParam } from "../lib/http/request";
import { defineRoute, errorResponses, jsonResponse, ProjectPathParams } from "../lib/http/route";
import type { App } from "./app";

/** The ref `latest` reads without `ref=`: GitLab takes the default branch; we keep none, so main. */
export const DEFAULT_BRANCH = "main";

export const route = defineRoute({
  method: "get",
  path: "/api/v4/projects/:id/pipelines/latest",
  operationId: "getLatestPipeline",
  summary: "The newest pipeline of a ref",
  tags: ["Pipelines"],
  requestParams: { path: ProjectPathParams, query: z.object({ ref: z.string().optional() }) },
  responses: { 200: jsonResponse(PipelineDetailSchema, "The pipeline"), ...errorResponses(400, 401, 403, 404) },
});

/**
 * GET /api/v4/projects/:id/pipelines/latest?ref= (lib/api/ci/pipelines.rb): the ref's newest
 * pipeline. `authorize! :read_pipeline, latest_pipeline` is GitLab's only check after
 * find_project!, so a ref without pipelines is 403, as is a caller who may not read pipelines.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    const reader = await apiReader(c, { jobToken: false });
    const ref = queryParam(c, "ref") || DEFAULT_BRANCH;
    const access = await readableProject(c, reader);
    const view = await latestPipelineView(c.var.services.db, access.project.id, ref);
    if (!view || !canReadBuilds(access)) throw forbidden();
    return c.json(pipelineDetailEntity(view, access.project, baseUrl(c)));
  });
}
