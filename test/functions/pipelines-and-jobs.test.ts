import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS, jobs, pipelines } from "../../schema";
import { factories } from "../helpers/factories";
import { admin, body, harness, json, PUBLIC_URL } from "../helpers/harness";

const { fetch, db } = harness();
const make = factories(db);

const as = (token: string) => ({ "PRIVATE-TOKEN": token });
type PipelineBody = { id: number; iid: number; status: string; source: string; web_url: string };
type JobBody = { id: number; status: string; token: string; pipeline: PipelineBody; [key: string]: unknown };

const pipelineStatus = async (id: number) =>
  (await db.select({ status: pipelines.status }).from(pipelines).where(eq(pipelines.id, id)))[0]?.status;

function createPipeline(projectId: number, params: Record<string, unknown>, headers: Record<string, string> = admin) {
  return fetch(`/api/v4/projects/${projectId}/pipelines`, json(params, headers));
}

async function createJob(projectId: number, pipelineId: number, params: Record<string, unknown>) {
  const res = await fetch(`/api/v4/projects/${projectId}/pipelines/${pipelineId}/jobs`, json(params, admin));
  expect(res.status).toBe(201);
  return body<JobBody>(res);
}

function report(jobId: number, token: string, state: string, extra: Record<string, unknown> = {}) {
  return fetch(`/api/v4/jobs/${jobId}`, { ...json({ state, ...extra }, { "JOB-TOKEN": token }), method: "PUT" });
}

describe("POST /api/v4/projects/:id/pipelines", () => {
  it("creates pipelines numbered per project, by a Developer's api token", async () => {
    const project = await make.project();
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    const first = await createPipeline(project.id, { ref: "main" }, as(developer.token));
    expect(first.status).toBe(201);
    const p1 = await body<PipelineBody>(first);
    expect(p1).toMatchObject({ iid: 1, project_id: project.id, ref: "main", status: "created", source: "api" });
    expect(p1.web_url).toBe(`${PUBLIC_URL}/${project.full_path}/-/pipelines/${p1.id}`);
    const p2 = await body<PipelineBody>(
      await createPipeline(project.id, { ref: "feature/x", source: "push" }, as(developer.token)),
    );
    expect(p2).toMatchObject({ iid: 2, ref: "feature/x", source: "push" });
    const [row] = await db.select().from(pipelines).where(eq(pipelines.id, p1.id));
    expect(row?.user_id).toBe(developer.user.id);
    expect(row?.locked).toBe("artifacts_locked");
  });

  it("makes a child pipeline with source parent_pipeline", async () => {
    const project = await make.project();
    const parent = await body<PipelineBody>(await createPipeline(project.id, { ref: "main" }));
    const child = await createPipeline(project.id, { ref: "main", parent_pipeline_id: parent.id });
    expect(child.status).toBe(201);
    const created = await body<PipelineBody>(child);
    expect(created.source).toBe("parent_pipeline");
    const [row] = await db.select().from(pipelines).where(eq(pipelines.id, created.id));
    expect(row?.parent_pipeline_id).toBe(parent.id);
  });

  it("refuses a parent pipeline of another project", async () => {
    const project = await make.project();
    const elsewhere = await make.pipeline(await make.project());
    const res = await createPipeline(project.id, { ref: "main", parent_pipeline_id: elsewhere.id });
    expect(res.status).toBe(404);
  });

  it("creates unlocked pipelines when the project keeps no latest artifacts", async () => {
    const project = await make.project({ keep_latest_artifact: false });
    const created = await body<PipelineBody>(await createPipeline(project.id, { ref: "main" }));
    const [row] = await db.select().from(pipelines).where(eq(pipelines.id, created.id));
    expect(row?.locked).toBe("unlocked");
  });

  it("is 403 for a Reporter and insufficient_scope for a read_api token", async () => {
    const project = await make.project();
    const reporter = await make.memberWithToken(project, ACCESS_LEVELS.reporter);
    expect((await createPipeline(project.id, { ref: "main" }, as(reporter.token))).status).toBe(403);
    const reader = await make.memberWithToken(project, ACCESS_LEVELS.maintainer, ["read_api"]);
    const res = await createPipeline(project.id, { ref: "main" }, as(reader.token));
    expect(res.status).toBe(403);
    expect((await body(res)).error).toBe("insufficient_scope");
  });

  it("needs a ref", async () => {
    const project = await make.project();
    const res = await createPipeline(project.id, {});
    expect(await body(res)).toEqual({ error: "ref is missing" });
  });
});

describe("jobs: POST .../pipelines/:pipeline_id/jobs and PUT /api/v4/jobs/:job_id", () => {
  it("creates a running job with a glcbt- token and the pipeline starts running", async () => {
    const project = await make.project();
    const pipeline = await make.pipeline(project);
    const job = await createJob(project.id, pipeline.id, { name: "build zip", stage: "build" });
    expect(job).toMatchObject({ status: "running", name: "build zip", stage: "build", ref: "main", tag: false });
    expect(job.token).toMatch(/^glcbt-/);
    expect(job.pipeline.id).toBe(pipeline.id);
    expect(job.web_url).toBe(`${PUBLIC_URL}/${project.full_path}/-/jobs/${job.id}`);
    expect(job).not.toHaveProperty("failure_reason");
    expect(job).not.toHaveProperty("artifacts_file");
    expect(job.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await pipelineStatus(pipeline.id)).toBe("running");
  });

  it("finishes the pipeline with success once every job succeeded, and the token then stops working", async () => {
    const project = await make.project();
    const pipeline = await make.pipeline(project);
    const a = await createJob(project.id, pipeline.id, { name: "a" });
    const b = await createJob(project.id, pipeline.id, { name: "b" });
    const done = await report(a.id, a.token, "success");
    expect(done.status).toBe(200);
    expect((await body(done)).status).toBe("success");
    expect(await pipelineStatus(pipeline.id)).toBe("running");
    await report(b.id, b.token, "success");
    expect(await pipelineStatus(pipeline.id)).toBe("success");

    const again = await report(a.id, a.token, "failed");
    expect(again.status).toBe(403);
    expect(await body(again)).toEqual({ message: "403 Forbidden - Job is not processing on runner" });
  });

  it("fails the pipeline when a job fails, and shows failure_reason only for failed jobs", async () => {
    const project = await make.project();
    const pipeline = await make.pipeline(project);
    const job = await createJob(project.id, pipeline.id, { name: "test" });
    const res = await report(job.id, job.token, "failed", { failure_reason: "script_failure" });
    expect(await body(res)).toMatchObject({ status: "failed", failure_reason: "script_failure" });
    expect(await pipelineStatus(pipeline.id)).toBe("failed");
  });

  it("counts a job that is allowed to fail as success", async () => {
    const project = await make.project();
    const pipeline = await make.pipeline(project);
    const flaky = await createJob(project.id, pipeline.id, { name: "flaky", allow_failure: true });
    const solid = await createJob(project.id, pipeline.id, { name: "solid" });
    await report(flaky.id, flaky.token, "failed");
    await report(solid.id, solid.token, "success");
    expect(await pipelineStatus(pipeline.id)).toBe("success");
  });

  it("marks an earlier job of the same name as retried; only the newest attempt counts", async () => {
    const project = await make.project();
    const pipeline = await make.pipeline(project);
    const first = await createJob(project.id, pipeline.id, { name: "test" });
    await report(first.id, first.token, "failed");
    expect(await pipelineStatus(pipeline.id)).toBe("failed");
    const retry = await createJob(project.id, pipeline.id, { name: "test" });
    const [old] = await db.select().from(jobs).where(eq(jobs.id, first.id));
    expect(old?.retried).toBe(true);
    await report(retry.id, retry.token, "success");
    expect(await pipelineStatus(pipeline.id)).toBe("success");
  });

  it("cancels the pipeline when its jobs are canceled", async () => {
    const project = await make.project();
    const pipeline = await make.pipeline(project);
    const job = await createJob(project.id, pipeline.id, { name: "deploy" });
    await report(job.id, job.token, "canceled");
    expect(await pipelineStatus(pipeline.id)).toBe("canceled");
  });

  it("accepts the job token in the body as GitLab Runner sends it", async () => {
    const project = await make.project();
    const pipeline = await make.pipeline(project);
    const job = await createJob(project.id, pipeline.id, { name: "x" });
    const res = await fetch(`/api/v4/jobs/${job.id}`, {
      ...json({ state: "success", token: job.token }),
      method: "PUT",
    });
    expect(res.status).toBe(200);
  });

  it("is 403 for a wrong token and 400 for an unknown state", async () => {
    const project = await make.project();
    const pipeline = await make.pipeline(project);
    const job = await createJob(project.id, pipeline.id, { name: "x" });
    expect((await report(job.id, "glcbt-wrong", "success")).status).toBe(403);
    const bad = await report(job.id, job.token, "exploded");
    expect(bad.status).toBe(400);
    expect(await body(bad)).toEqual({ error: "state does not have a valid value" });
  });

  it("is 404 for a pipeline of another project", async () => {
    const project = await make.project();
    const elsewhere = await make.pipeline(await make.project());
    const res = await fetch(
      `/api/v4/projects/${project.id}/pipelines/${elsewhere.id}/jobs`,
      json({ name: "x" }, admin),
    );
    expect(res.status).toBe(404);
  });
});
