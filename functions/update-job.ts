import { z } from "zod";
import { runnerJob } from "../lib/auth/callers";
import { loadJobView, setJobState } from "../lib/ci/jobs";
import { notFound } from "../lib/errors";
import { jobEntity } from "../lib/http/entities";
import { integerParam, parseParams } from "../lib/http/params";
import { baseUrl, readParams } from "../lib/http/request";
import type { App } from "./app";

const Params = z.object({
  token: z.string().optional(),
  state: z.enum(["running", "success", "failed", "canceled"]),
  failure_reason: z.string().max(255).optional(),
});

/**
 * PUT /api/v4/jobs/:job_id: the runner reports the job's state with its job token
 * (JOB-TOKEN header or `token`). Once the job leaves running, its token stops working.
 */
export function register(app: App) {
  app.put("/api/v4/jobs/:job_id", async (c) => {
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
