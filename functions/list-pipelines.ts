import { z } from "zod";
import { apiReader, canReadBuilds, readableProject } from "../lib/auth/reader";
import { listPipelines, PIPELINE_ORDERS } from "../lib/ci/pipeline-list";
import { forbidden } from "../lib/errors";
import { PipelineListSchema, pipelineListEntity } from "../lib/http/entities";
import { linkParams, pageRequest, paginate } from "../lib/http/pagination";
import { boolish, parseParams } from "../lib/http/params";
import { baseUrl, queryParams } from "../lib/http/request";
import { defineRoute, errorResponses, PageQuery, ProjectPathParams, pageResponse } from "../lib/http/route";
import { SOURCES, STATUSES } from "../schema/pipelines";
import type { App } from "./app";

/** Ci::HasStatus::AVAILABLE_STATUSES: valid filters, some of which no pipeline here reaches. */
const AVAILABLE_STATUSES = [...STATUSES, "waiting_for_resource", "preparing", "waiting_for_callback", "scheduled"];
const dateTime = z.coerce.date().refine((date) => !Number.isNaN(date.getTime()));

const Params = z.object({
  scope: z.enum(["running", "pending", "finished", "branches", "tags"]).optional(),
  status: z.enum(AVAILABLE_STATUSES as [string, ...string[]]).optional(),
  ref: z.string().optional(),
  sha: z.string().optional(),
  yaml_errors: boolish.optional(),
  username: z.string().optional(),
  updated_before: dateTime.optional(),
  updated_after: dateTime.optional(),
  created_before: dateTime.optional(),
  created_after: dateTime.optional(),
  order_by: z.enum(PIPELINE_ORDERS).default("id"),
  sort: z.enum(["asc", "desc"]).default("desc"),
  source: z.enum(SOURCES).optional(),
  name: z.string().optional(),
});

export const route = defineRoute({
  method: "get",
  path: "/api/v4/projects/:id/pipelines",
  operationId: "listPipelines",
  summary: "A project's pipelines",
  tags: ["Pipelines"],
  requestParams: { path: ProjectPathParams, query: PageQuery.extend(Params.shape) },
  responses: {
    200: pageResponse(PipelineListSchema, "One page of pipelines"),
    ...errorResponses(400, 401, 403, 404),
  },
});

/**
 * GET /api/v4/projects/:id/pipelines (lib/api/ci/pipelines.rb, Ci::PipelinesFinder): anonymous
 * callers too; job tokens are not taken here. find_project! (404), read_pipeline and read_build
 * (403). Every source, child pipelines too; newest first unless order_by/sort say otherwise.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    const { db } = c.var.services;
    const reader = await apiReader(c, { jobToken: false });
    const params = parseParams(Params, queryParams(c));
    const page = pageRequest(c);
    const access = await readableProject(c, reader);
    if (!canReadBuilds(access)) throw forbidden();
    const filter = { ...params, nothing: params.yaml_errors === true || params.name !== undefined };
    const result = await listPipelines(db, access.project.id, filter, page);
    const defaults = { order_by: "id", sort: "desc", page: "1", per_page: "20" };
    const views = paginate(c, page, result, linkParams(c, defaults));
    const base = baseUrl(c);
    return c.json(views.map(({ pipeline }) => pipelineListEntity(pipeline, access.project, base)));
  });
}
