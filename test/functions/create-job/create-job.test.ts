import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { jobs } from "../../../schema";
import { type CreatedJobEntity, harness, PUBLIC_URL } from "../../helpers/harness";
import { pipelineStatus } from "../../helpers/rows";

const h = harness();
const { db, make, url } = h;

async function createJob(project: { id: number }, pipeline: { id: number }, params: Record<string, unknown>) {
  const res = await h.fetch(url.pipelineJobs(project, pipeline), h.send("POST", params, h.admin));
  expect(res.status).toBe(201);
  return h.json<CreatedJobEntity>(res);
}

describe("POST /api/v4/projects/:id/pipelines/:pipeline_id/jobs", () => {
  it("creates a running job with a glcbt- token and the pipeline starts running", async () => {
    const project = await make.project();
    const pipeline = await make.pipeline(project);
    const job = await createJob(project, pipeline, { name: "build zip", stage: "build" });
    expect(job).toMatchObject({ status: "running", name: "build zip", stage: "build", ref: "main", tag: false });
    expect(job.token).toMatch(/^glcbt-/);
    expect(job.pipeline.id).toBe(pipeline.id);
    expect(job.web_url).toBe(`${PUBLIC_URL}/${project.full_path}/-/jobs/${job.id}`);
    expect(job).not.toHaveProperty("failure_reason");
    expect(job).not.toHaveProperty("artifacts_file");
    expect(job.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await pipelineStatus(db, pipeline.id)).toBe("running");
  });

  it("marks an earlier job of the same name as retried; only the newest attempt counts", async () => {
    const project = await make.project();
    const pipeline = await make.pipeline(project);
    const first = await createJob(project, pipeline, { name: "test" });
    const report = (job: CreatedJobEntity, state: string) =>
      h.fetch(url.job(job), h.send("PUT", { state }, { "JOB-TOKEN": job.token }));
    await report(first, "failed");
    expect(await pipelineStatus(db, pipeline.id)).toBe("failed");
    const retry = await createJob(project, pipeline, { name: "test" });
    const [old] = await db.select().from(jobs).where(eq(jobs.id, first.id));
    expect(old?.retried).toBe(true);
    await report(retry, "success");
    expect(await pipelineStatus(db, pipeline.id)).toBe("success");
  });

  it("is 404 for a pipeline of another project", async () => {
    const project = await make.project();
    const elsewhere = await make.pipeline(await make.project());
    const res = await h.fetch(url.pipelineJobs(project, elsewhere), h.send("POST", { name: "x" }, h.admin));
    expect(res.status).toBe(404);
  });
});
