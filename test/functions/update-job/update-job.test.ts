import { describe, expect, it } from "vitest";
import { harness, type JobEntity } from "../../helpers/harness";
import { pipelineStatus } from "../../helpers/rows";

const h = harness();
const { db, make, url } = h;

function report(job: { id: number }, token: string, state: string, extra: Record<string, unknown> = {}) {
  return h.fetch(url.job(job), h.send("PUT", { state, ...extra }, { "JOB-TOKEN": token }));
}

/** A running job in a new project's pipeline, and its token. */
async function runningJob(name = "x") {
  const pipeline = await make.pipeline(await make.project());
  return { pipeline, ...(await make.job(pipeline, { name })) };
}

describe("PUT /api/v4/jobs/:job_id", () => {
  it("finishes the pipeline with success once every job succeeded, and the token then stops working", async () => {
    const { pipeline, job: a, token: aToken } = await runningJob("a");
    const b = await make.job(pipeline, { name: "b" });
    const done = await report(a, aToken, "success");
    expect(done.status).toBe(200);
    expect((await h.json<JobEntity>(done)).status).toBe("success");
    expect(await pipelineStatus(db, pipeline.id)).toBe("running");
    await report(b.job, b.token, "success");
    expect(await pipelineStatus(db, pipeline.id)).toBe("success");

    const again = await report(a, aToken, "failed");
    expect(again.status).toBe(403);
    expect(await h.json(again)).toEqual({ message: "403 Forbidden - Job is not processing on runner" });
  });

  it("rolls the pipeline up to success when its jobs finish at the same moment", async () => {
    const project = await make.project();
    const pipelines = await Promise.all(Array.from({ length: 8 }, () => make.pipeline(project)));
    const jobs = await Promise.all(
      pipelines.map(async (pipeline) => [
        await make.job(pipeline, { name: "a" }),
        await make.job(pipeline, { name: "b" }),
      ]),
    );
    const finished = await Promise.all(jobs.flat().map(({ job, token }) => report(job, token, "success")));
    expect(finished.map((r) => r.status)).toEqual(Array(16).fill(200));
    const statuses = await Promise.all(pipelines.map((p) => pipelineStatus(db, p.id)));
    expect(statuses).toEqual(Array(8).fill("success"));
  });

  it("fails the pipeline when a job fails, and shows failure_reason only for failed jobs", async () => {
    const { pipeline, job, token } = await runningJob("test");
    const res = await report(job, token, "failed", { failure_reason: "script_failure" });
    expect(await h.json(res)).toMatchObject({ status: "failed", failure_reason: "script_failure" });
    expect(await pipelineStatus(db, pipeline.id)).toBe("failed");
  });

  it("counts a job that is allowed to fail as success", async () => {
    const pipeline = await make.pipeline(await make.project());
    const flaky = await make.job(pipeline, { name: "flaky", allowFailure: true });
    const solid = await make.job(pipeline, { name: "solid" });
    await report(flaky.job, flaky.token, "failed");
    await report(solid.job, solid.token, "success");
    expect(await pipelineStatus(db, pipeline.id)).toBe("success");
  });

  it("cancels the pipeline when its jobs are canceled", async () => {
    const { pipeline, job, token } = await runningJob("deploy");
    await report(job, token, "canceled");
    expect(await pipelineStatus(db, pipeline.id)).toBe("canceled");
  });

  it("accepts the job token in the body as GitLab Runner sends it", async () => {
    const { job, token } = await runningJob();
    const res = await h.fetch(url.job(job), h.send("PUT", { state: "success", token }));
    expect(res.status).toBe(200);
  });

  it("is 403 for a wrong token and 400 for an unknown state", async () => {
    const { job, token } = await runningJob();
    expect((await report(job, "glcbt-wrong", "success")).status).toBe(403);
    const bad = await report(job, token, "exploded");
    expect(bad.status).toBe(400);
    expect(await h.json(bad)).toEqual({ error: "state does not have a valid value" });
  });
});
