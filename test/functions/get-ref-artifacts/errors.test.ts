import { describe, expect, it } from "vitest";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";
import { refArchives } from "./fixtures";

const h = harness();
const { make } = h;
const { download, successfulRun } = refArchives(h);

describe("GET /api/v4/projects/:id/jobs/artifacts/:ref_name/download?job=NAME", () => {
  it("does not fall back to an older pipeline when the newest successful one lacks the job", async () => {
    const project = await make.project({ visibility: "public" });
    await successfulRun(project, "main", "build");
    await successfulRun(project, "main", "lint");
    const res = await download(project, "main", "build");
    expect(res.status).toBe(404);
    expect(await h.json(res)).toEqual({ message: "404 Not found" });
  });

  it("is 400 job is missing without ?job=, and 404 for an empty one", async () => {
    const project = await make.project({ visibility: "public" });
    await successfulRun(project, "main", "build");
    const missing = await h.fetch(`/api/v4/projects/${project.id}/jobs/artifacts/main/download`);
    expect(missing.status).toBe(400);
    expect(await h.json(missing)).toEqual({ error: "job is missing" });
    const empty = await h.fetch(`/api/v4/projects/${project.id}/jobs/artifacts/main/download?job=`);
    expect(empty.status).toBe(404);
    expect(await h.json(empty)).toEqual({ message: "404 Not found" });
  });

  it("is 404 Not Found when the found job has only report artifacts", async () => {
    const project = await make.project({ visibility: "public" });
    const pipeline = await make.pipeline(project, { ref: "main" });
    const { job } = await make.job(pipeline, { name: "test", status: "success" });
    await make.archive(job, smallZip(), { reportsOnly: true });
    await make.finishPipeline(pipeline, "success");
    const res = await download(project, "main", "test");
    expect(res.status).toBe(404);
    expect(await h.json(res)).toEqual({ message: "404 Not Found" });
  });

  it("ignores pipelines of other projects on the same ref", async () => {
    const project = await make.project({ visibility: "public" });
    const other = await make.project({ visibility: "public" });
    await successfulRun(other, "main", "build");
    expect((await download(project, "main", "build")).status).toBe(404);
  });
});
