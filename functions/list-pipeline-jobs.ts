import { z } from "zod";
import { apiReader, canReadBuilds, readableProject } from "../lib/auth/reader";
import { jobScopes, listJobViews } from "../lib/ci/job-list";
import { findPipelineView } from "../lib/ci/pipeline-list";
import { forbidden } from "../lib/errors";
import { JobSchema, jobEntity } from "../lib/http/entities";
import { linkParams, pageRequest, paginate } from "../lib/http/pagination";
import { boolish, integerParam, parseParams } from "../lib/http/params";
import { baseUrl, queryParams } from "../lib/http/request";
import { defineRoute, errorResponses, PageQuery, ProjectPathParams, pageResponse } from "../lib/http/route";
import type { App } from "./app";

const Params = z.object({ include_retried: boolish.optional() });

export const route = defineRoute({
  method: "get",
  path: "/api/v4/projects/:id/pipelines/:pipeline_id/jobs",
  operationId: "listPipelineJobs",
  summary: "A pipeline's jobs",
  tags: ["Pipelines"],
  requestParams: { path: ProjectPathParams, query: PageQuery.extend(Params.shape) },
  responses: {
    200: pageResponse(JobSchema, "One page of jobs, newest first"),
    ...errorResponses(400, 401, 403, 404),
  },
});

/**
 * GET /api/v4/projects/:id/pipelines/:pipeline_id/jobs (lib/api/ci/pipelines.rb, Ci::JobsFinder):
 * the pipeline's jobs, newest first, retried attempts only with include_retried, filtered by
 * `scope[]`. Anonymous callers and job tokens are taken; find_project! (404, or the job token's
 * 403), read_pipeline (403), the pipeline (404 Not found). Counted pagination.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    const { db, now } = c.var.services;
    const reader = await apiReader(c, { jobToken: true });
    const pipelineId = integerParam(c.req.param("pipeline_id"), "pipeline_id");
    const params = parseParams(Params, queryParams(c));
    const statuses = jobScopes(c.req.queries("scope[]") ?? c.req.queries("scope"));
    const page = pageRequest(c);
    const access = await readableProject(c, reader);
    if (!canReadBuilds(access)) throw forbidden();
    const { pipeline } = await findPipelineView(db, access.project.id, pipelineId);
    const filter = { pipelineId: pipeline.id, statuses, latestOnly: !params.include_retried };
    const result = await listJobViews(db, filter, page, { counted: true });
    const defaults = { include_retried: "false", page: "1", per_page: "20" };
    const views = paginate(c, page, result, linkParams(c, defaults));
    const base = baseUrl(c);
    return c.json(views.map((view) => jobEntity(view, base, now())));
  });
}
