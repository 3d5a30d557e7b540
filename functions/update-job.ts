import { z } from "zod";
import { runnerJob } from "../lib/auth/callers";
import { loadJobView, setJobState } from "../lib/ci/jobs";
import { notFound } from "../lib/errors";
import { JobSchema, jobEntity } from "../lib/http/entities";
import { integerParam, parseParams } from "../lib/http/params";
import { baseUrl, readParams } from "../lib/http/request";
import { defineRoute, errorResponses, jsonResponse, paramsBody } from "../lib/http/route";
import type { App } from "./app";

const Params = z.object({
  token: z.string().optional(),
  state: z.enum(["running", "success", "failed", "canceled"]),
  failure_reason: z.string().max(255).optional(),
});

export const route = defineRoute({
  method: "put",
  path: "/api/v4/jobs/:job_id",
  operationId: "updateJob",
  summary: "Report a job's state (runner, with its job token)",
  tags: ["Runner"],
  requestBody: paramsBody(Params),
  responses: { 200: jsonResponse(JobSchema, "The job"), ...errorResponses(400, 401, 403, 404) },
});

/**
 * PUT /api/v4/jobs/:job_id: the runner reports the job's state with its job token
 * (JOB-TOKEN header or `token`). Once the job leaves running, its token stops working.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    const { db, now } = c.var.services;
    const jobId = integerParam(c.req.param("job_id"), "job_id");
    const params = parseParams(Params, await readParams(c));
    const job = await runnerJob(c, jobId, params.token);

    if (params.state !== job.status) await setJobState(db, job, params.state, params.failure_reason ?? null, now());
    const view = await loadJobView(db, job.id);
    if (!view) throw notFound("Job");
    return c.json(jobEntity(view, baseUrl(c), now()), 200);
  });
}
