import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { projectCaller, requireAccessToken } from "../lib/auth/callers";
import { actingUserId } from "../lib/ci/acting-user";
import { createJob, loadJobView } from "../lib/ci/jobs";
import { notFound } from "../lib/errors";
import { JobSchema, jobEntity } from "../lib/http/entities";
import { boolish, idParam, integerParam, parseParams } from "../lib/http/params";
import { baseUrl, readParams } from "../lib/http/request";
import { defineRoute, errorResponses, jsonResponse, ProjectPathParams, paramsBody } from "../lib/http/route";
import { ACCESS_LEVELS, pipelines } from "../schema";
import { STATUSES } from "../schema/pipelines";
import type { App } from "./app";

const Params = z.object({
  name: z.string().min(1).max(255),
  stage: z.string().min(1).max(255).optional(),
  status: z.enum(STATUSES).optional(),
  allow_failure: boolish.optional(),
  user_id: idParam.optional(),
});

export const route = defineRoute({
  method: "post",
  path: "/api/v4/projects/:id/pipelines/:pipeline_id/jobs",
  operationId: "createJob",
  summary: "Create a job in a pipeline (in place of a runner picking one)",
  tags: ["Jobs"],
  requestParams: { path: ProjectPathParams },
  requestBody: paramsBody(Params),
  responses: {
    201: jsonResponse(
      JobSchema.extend({ token: z.string().meta({ description: "The job's CI_JOB_TOKEN, shown this once" }) }),
      "The job and its token",
    ),
    ...errorResponses(400, 401, 403, 404),
  },
});

/**
 * POST /api/v4/projects/:id/pipelines/:pipeline_id/jobs: ours, in place of a runner picking a
 * job. Answers the job entity plus "token", its CI_JOB_TOKEN, shown this once.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    requireAccessToken(c);
    const { db, now } = c.var.services;
    const pipelineId = integerParam(c.req.param("pipeline_id"), "pipeline_id");
    const params = parseParams(Params, await readParams(c));
    const { project, principal } = await projectCaller(c, ACCESS_LEVELS.developer);

    const [pipeline] = await db
      .select()
      .from(pipelines)
      .where(and(eq(pipelines.id, pipelineId), eq(pipelines.project_id, project.id)))
      .limit(1);
    if (!pipeline) throw notFound("Pipeline");
    const userId = await actingUserId(db, principal, params.user_id, pipeline.user_id);
    const { job, token } = await createJob(
      db,
      pipeline,
      {
        name: params.name,
        stage: params.stage ?? "test",
        status: params.status ?? "running",
        allowFailure: params.allow_failure ?? false,
        userId,
      },
      now(),
    );
    const view = await loadJobView(db, job.id);
    if (!view) throw notFound("Job");
    return c.json({ ...jobEntity(view, baseUrl(c), now()), token }, 201);
  });
}
