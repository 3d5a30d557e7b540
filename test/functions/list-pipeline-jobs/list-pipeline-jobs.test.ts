import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../../schema";
import { harness, type JobEntity } from "../../helpers/harness";

const h = harness();
const { make, url } = h;

const ids = async (res: Response) => (await h.json<JobEntity[]>(res)).map((job) => job.id);

describe("GET /api/v4/projects/:id/pipelines/:pipeline_id/jobs", () => {
  it("lists the pipeline's latest attempts newest first; include_retried adds the older ones", async () => {
    const project = await make.project({ visibility: "public" });
    const pipeline = await make.pipeline(project);
    const first = await make.job(pipeline, { name: "build", status: "failed" });
    const retry = await make.job(pipeline, { name: "build", status: "success" });
    const test = await make.job(pipeline, { name: "test", status: "success" });
    await make.job(await make.pipeline(project), { name: "elsewhere" });
    const latest = await h.fetch(url.pipelineJobs(project, pipeline));
    expect(latest.status).toBe(200);
    expect(await ids(latest)).toEqual([test.job.id, retry.job.id]);
    expect(latest.headers.get("X-Total")).toBe("2");
    const all = await h.fetch(`${url.pipelineJobs(project, pipeline)}?include_retried=true`);
    expect(await ids(all)).toEqual([test.job.id, retry.job.id, first.job.id]);
    const scoped = await h.fetch(`${url.pipelineJobs(project, pipeline)}?scope[]=failed&include_retried=true`);
    expect(await ids(scoped)).toEqual([first.job.id]);
    const link = all.headers.get("Link") ?? "";
    expect(link).toContain("include_retried=true");
    expect(link).toContain('rel="last"');
  });

  it("takes a running job's token in its own private project", async () => {
    const project = await make.project();
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    const pipeline = await make.pipeline(project, { user: developer.user });
    const { job, token } = await make.job(pipeline);
    const res = await h.fetch(url.pipelineJobs(project, pipeline), { headers: { "JOB-TOKEN": token } });
    expect(res.status).toBe(200);
    expect(await ids(res)).toEqual([job.id]);
    expect((await h.fetch(url.pipelineJobs(project, pipeline))).status).toBe(404);
  });

  it("is 404 Not found for another project's pipeline", async () => {
    const project = await make.project({ visibility: "public" });
    const elsewhere = await make.pipeline(await make.project());
    const res = await h.fetch(url.pipelineJobs(project, elsewhere));
    expect(await res.text()).toBe('{"message":"404 Not found"}');
  });
});
