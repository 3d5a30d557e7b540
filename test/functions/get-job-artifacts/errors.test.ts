import { describe, expect, it } from "vitest";
import { body } from "../../helpers/harness";
import { fetch, make, publicJobWithArchive } from "./fixtures";

describe("GET /api/v4/projects/:id/jobs/:job_id/artifacts", () => {
  it("is 404 Not Found (message) for a job without an archive", async () => {
    const project = await make.project({ visibility: "public" });
    const { job } = await make.job(await make.pipeline(project));
    const res = await fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts`);
    expect(res.status).toBe(404);
    expect(await body(res)).toEqual({ message: "404 Not Found" });
  });

  it("is 404 Not found for another project's job, and for a job id that does not exist", async () => {
    const { job } = await publicJobWithArchive();
    const other = await make.project({ visibility: "public" });
    for (const id of [job.id, 2_147_483_000, 99_999_999_999]) {
      const res = await fetch(`/api/v4/projects/${other.id}/jobs/${id}/artifacts`);
      expect(res.status).toBe(404);
      expect(await body(res)).toEqual({ message: "404 Not found" });
    }
  });

  it("is 400 job_id is invalid for a job id that is not a number", async () => {
    const { project } = await publicJobWithArchive();
    const res = await fetch(`/api/v4/projects/${project.id}/jobs/abc/artifacts`);
    expect(res.status).toBe(400);
    expect(await body(res)).toEqual({ error: "job_id is invalid" });
  });

  it("is 404 Project Not Found for a name without a slash and for an unknown project", async () => {
    for (const id of ["demo", "2147483000", "nobody%2Fnothing"]) {
      const res = await fetch(`/api/v4/projects/${id}/jobs/1/artifacts`);
      expect(res.status).toBe(404);
      expect(await body(res)).toEqual({ message: "404 Project Not Found" });
    }
  });

  it("falls to the catch-all for an unencoded slash in the project path", async () => {
    const { project, job } = await publicJobWithArchive();
    const res = await fetch(`/api/v4/projects/${project.full_path}/jobs/${job.id}/artifacts`);
    expect(res.status).toBe(404);
    expect(await body(res)).toEqual({ error: "404 Not Found" });
  });
});
