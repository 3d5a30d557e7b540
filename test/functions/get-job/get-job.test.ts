import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../../schema";
import { harness, type JobEntity } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

const h = harness();
const { make, url } = h;

describe("GET /api/v4/projects/:id/jobs/:job_id", () => {
  it("shows the job with artifacts_file, artifacts and artifacts_expire_at as GitLab fills them", async () => {
    const expireAt = new Date(Date.now() + 86_400_000);
    const { project, job, stored } = await make.jobWithArchive(smallZip(), { archive: { expireAt } });
    const reporter = await make.memberWithToken(project, ACCESS_LEVELS.reporter, ["read_api"]);
    const res = await h.fetch(url.projectJob(project, job), { headers: h.as(reporter.token) });
    expect(res.status).toBe(200);
    const body = await h.json<JobEntity>(res);
    expect(body).toMatchObject({
      id: job.id,
      name: "build",
      status: "running",
      artifacts_file: { filename: "artifacts.zip", size: stored.size },
      artifacts: [{ file_type: "archive", size: stored.size, filename: "artifacts.zip", file_format: "zip" }],
      artifacts_expire_at: expireAt.toISOString(),
    });
  });

  it("leaves artifacts_file out once the artifacts expired, and for a job without any", async () => {
    const expired = await make.jobWithArchive(smallZip(), { archive: { expireAt: new Date(Date.now() - 1000) } });
    const body = await h.json<JobEntity>(
      await h.fetch(url.projectJob(expired.project, expired.job), { headers: h.admin }),
    );
    expect(body).not.toHaveProperty("artifacts_file");
    expect(body.artifacts).toHaveLength(1);
    const { job } = await make.job(await make.pipeline(expired.project));
    const bare = await h.json<JobEntity>(await h.fetch(url.projectJob(expired.project, job), { headers: h.admin }));
    expect(bare).not.toHaveProperty("artifacts_file");
    expect(bare.artifacts).toEqual([]);
  });

  it("is 401 without a token, on a public project too, and for a job token (not taken on this route)", async () => {
    const project = await make.project({ visibility: "public" });
    const { job, token } = await make.job(await make.pipeline(project, { user: await make.user() }));
    for (const headers of [{}, { "JOB-TOKEN": token }] as Record<string, string>[]) {
      const res = await h.fetch(url.projectJob(project, job), { headers });
      expect(res.status).toBe(401);
      expect(await res.text()).toBe('{"message":"401 Unauthorized"}');
    }
    // authenticate! is a before hook: it runs ahead of Grape's parameter validation.
    expect((await h.fetch(url.projectJob(project, "abc"))).status).toBe(401);
    expect((await h.fetch(`${url.projectJobs(project)}?scope[]=bogus`)).status).toBe(401);
  });

  it("answers GitLab's 404s, 403 and 400 in GitLab's order", async () => {
    const project = await make.project({ public_builds: false });
    const { job } = await make.job(await make.pipeline(project));
    const outsider = await make.pat(await make.user());
    const hidden = await h.fetch(url.projectJob(project, job), { headers: h.as(outsider) });
    expect(await hidden.text()).toBe('{"message":"404 Project Not Found"}');

    // Without "public pipelines" a Guest may see the project but not its jobs.
    const guest = await make.memberWithToken(project, ACCESS_LEVELS.guest);
    const forbidden = await h.fetch(url.projectJob(project, job), { headers: h.as(guest.token) });
    expect(forbidden.status).toBe(403);

    const other = await make.job(await make.pipeline(await make.project()));
    for (const jobId of [other.job.id, 2 ** 40]) {
      const missing = await h.fetch(url.projectJob(project, jobId), { headers: h.admin });
      expect(missing.status).toBe(404);
      expect(await missing.text()).toBe('{"message":"404 Not found"}');
    }
    const invalid = await h.fetch(url.projectJob(project, "abc"), { headers: h.admin });
    expect(await invalid.text()).toBe('{"error":"job_id is invalid"}');
  });
});
