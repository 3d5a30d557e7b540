import { z } from "zod";
import { apiReader, canReadBuilds, readableProject, requireReader } from "../lib/auth/reader";
import { jobScopes, listJobViews } from "../lib/ci/job-list";
import { forbidden } from "../lib/errors";
import { JobSchema, jobEntity } from "../lib/http/entities";
import { linkParams, pageRequest, paginate } from "../lib/http/pagination";
import { baseUrl } from "../lib/http/request";
import { defineRoute, errorResponses, PageQuery, ProjectPathParams, pageResponse } from "../lib/http/route";
import type { App } from "./app";

export const route = defineRoute({
  method: "get",
  path: "/api/v4/projects/:id/jobs",
  operationId: "listProjectJobs",
  summary: "A project's jobs",
  tags: ["Jobs"],
  requestParams: {
    path: ProjectPathParams,
    query: PageQuery.extend({
      "scope[]": z.array(z.string()).optional().meta({ description: "Job statuses to list" }),
    }),
  },
  responses: {
    200: pageResponse(JobSchema, "One page of jobs, newest first"),
    ...errorResponses(400, 401, 403, 404),
  },
});

/**
 * GET /api/v4/projects/:id/jobs (lib/api/ci/jobs.rb): the project's jobs, retried ones too,
 * newest first, filtered by `scope[]`. authenticate! (401), job tokens taken; find_project!
 * (404, or the job token's 403), read_build (403). Paginated without counts, as GitLab does:
 * no X-Total, X-Total-Pages or rel="last".
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    const { db, now } = c.var.services;
    const reader = await apiReader(c, { jobToken: true });
    requireReader(reader);
    const statuses = jobScopes(c.req.queries("scope[]") ?? c.req.queries("scope"));
    const page = pageRequest(c);
    const access = await readableProject(c, reader);
    if (!canReadBuilds(access)) throw forbidden();
    const result = await listJobViews(db, { projectId: access.project.id, statuses }, page, { counted: false });
    const views = paginate(c, page, result, linkParams(c, { page: "1", per_page: "20" }));
    const base = baseUrl(c);
    return c.json(views.map((view) => jobEntity(view, base, now())));
  });
}
