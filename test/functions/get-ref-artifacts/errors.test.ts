import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { jobArtifacts } from "../../../schema";
import { body } from "../../helpers/harness";
import { db, download, fetch, make, successfulRun } from "./fixtures";

describe("GET /api/v4/projects/:id/jobs/artifacts/:ref_name/download?job=NAME", () => {
  it("does not fall back to an older pipeline when the newest successful one lacks the job", async () => {
    const project = await make.project({ visibility: "public" });
    await successfulRun(project, "main", "build");
    await successfulRun(project, "main", "lint");
    const res = await download(project, "main", "build");
    expect(res.status).toBe(404);
    expect(await body(res)).toEqual({ message: "404 Not found" });
  });

  it("is 400 job is missing without ?job=, and 404 for an empty one", async () => {
    const project = await make.project({ visibility: "public" });
    await successfulRun(project, "main", "build");
    const missing = await fetch(`/api/v4/projects/${project.id}/jobs/artifacts/main/download`);
    expect(missing.status).toBe(400);
    expect(await body(missing)).toEqual({ error: "job is missing" });
    const empty = await fetch(`/api/v4/projects/${project.id}/jobs/artifacts/main/download?job=`);
    expect(empty.status).toBe(404);
  });

  it("is 404 Not Found when the found job has only report artifacts", async () => {
    const project = await make.project({ visibility: "public" });
    const run = await successfulRun(project, "main", "test");
    await db
      .update(jobArtifacts)
      .set({ file_type: "junit", file_format: "gzip" })
      .where(eq(jobArtifacts.job_id, run.job.id));
    const res = await download(project, "main", "test");
    expect(res.status).toBe(404);
    expect(await body(res)).toEqual({ message: "404 Not Found" });
  });

  it("ignores pipelines of other projects on the same ref", async () => {
    const project = await make.project({ visibility: "public" });
    const other = await make.project({ visibility: "public" });
    await successfulRun(other, "main", "build");
    expect((await download(project, "main", "build")).status).toBe(404);
  });
});
