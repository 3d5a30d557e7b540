import { describe, expect, it } from "vitest";
import { harness } from "../../helpers/harness";
import { jobArchives } from "./fixtures";

const h = harness();
const { publicJobWithArchive } = jobArchives(h);

describe("GET /api/v4/projects/:id/jobs/:job_id/artifacts", () => {
  it("is 404 Not Found (message) for a job without an archive", async () => {
    const project = await h.make.project({ visibility: "public" });
    const { job } = await h.make.job(await h.make.pipeline(project));
    const res = await h.fetch(h.url.jobArtifacts(project, job));
    expect(res.status).toBe(404);
    expect(await h.json(res)).toEqual({ message: "404 Not Found" });
  });

  it.each([
    ["another project's job", (job: { id: number }) => job.id],
    ["a job id that does not exist", () => 2_147_483_000],
    ["a job id past int32", () => 99_999_999_999],
  ])("is 404 Not found for %s", async (_, jobId) => {
    const { job } = await publicJobWithArchive();
    const other = await h.make.project({ visibility: "public" });
    const res = await h.fetch(h.url.jobArtifacts(other, jobId(job)));
    expect(res.status).toBe(404);
    expect(await h.json(res)).toEqual({ message: "404 Not found" });
  });

  it("is 400 job_id is invalid for a job id that is not a number", async () => {
    const { project } = await publicJobWithArchive();
    const res = await h.fetch(h.url.jobArtifacts(project, "abc"));
    expect(res.status).toBe(400);
    expect(await h.json(res)).toEqual({ error: "job_id is invalid" });
  });

  it.each(["demo", "2147483000", "nobody%2Fnothing"])(
    "is 404 Project Not Found for a name without a slash and for an unknown project: %s",
    async (id) => {
      const res = await h.fetch(h.url.jobArtifacts(id, 1));
      expect(res.status).toBe(404);
      expect(await h.json(res)).toEqual({ message: "404 Project Not Found" });
    },
  );

  it("falls to the catch-all for an unencoded slash in the project path", async () => {
    const { project, job } = await publicJobWithArchive();
    const res = await h.fetch(h.url.jobArtifacts(project.full_path, job));
    expect(res.status).toBe(404);
    expect(await h.json(res)).toEqual({ error: "404 Not Found" });
  });
});
