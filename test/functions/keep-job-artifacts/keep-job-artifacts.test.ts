import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS, jobArtifacts } from "../../../schema";
import { harness, type JobEntity } from "../../helpers/harness";

const h = harness();
const { make, url } = h;
const keep = (project: { id: number }, job: { id: number }, headers: Record<string, string> = {}) =>
  h.fetch(url.keepJobArtifacts(project, job), { method: "POST", headers });
const tomorrow = () => new Date(Date.now() + 86_400_000);

describe("POST /api/v4/projects/:id/jobs/:job_id/artifacts/keep", () => {
  it("clears the job's and its artifacts' expiry and answers the job entity", async () => {
    const { project, job } = await make.jobWithArchive(undefined, { archive: { expireAt: tomorrow() } });
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    const res = await keep(project, job, h.as(developer.token));
    expect(res.status).toBe(200);
    const entity = await h.json<JobEntity>(res);
    expect(entity).toMatchObject({
      id: job.id,
      artifacts_expire_at: null,
      artifacts_file: { filename: "artifacts.zip" },
    });
    expect(entity.project).toEqual({ ci_job_token_scope_enabled: false });
    expect(entity).not.toHaveProperty("failure_reason");
    expect(Object.keys(entity).slice(0, 6)).toEqual(["id", "status", "stage", "name", "ref", "tag"]);
    const [row] = await h.db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id));
    expect(row?.expire_at).toBeNull();
  });

  it("is 404 when the artifacts already expired or there are none", async () => {
    const expired = await make.jobWithArchive(undefined, { archive: { expireAt: new Date(Date.now() - 1000) } });
    const admin = h.as(await make.pat(await make.user({ admin: true })));
    expect((await keep(expired.project, expired.job, admin)).status).toBe(404);
    const project = await make.project();
    const { job } = await make.job(await make.pipeline(project));
    expect((await keep(project, job, admin)).status).toBe(404);
  });

  it("is 401 anonymous and with a job token, 403 for a Reporter and for read_api, 404 for a stranger", async () => {
    const { project, job, token } = await make.jobWithArchive(undefined, { archive: { expireAt: tomorrow() } });
    expect((await keep(project, job)).status).toBe(401);
    expect((await keep(project, job, { "JOB-TOKEN": token })).status).toBe(401);
    const reporter = await make.memberWithToken(project, ACCESS_LEVELS.reporter);
    expect((await keep(project, job, h.as(reporter.token))).status).toBe(403);
    const reader = await make.memberWithToken(project, ACCESS_LEVELS.maintainer, ["read_api"]);
    const scoped = await keep(project, job, h.as(reader.token));
    expect(scoped.status).toBe(403);
    expect((await h.json(scoped)).error).toBe("insufficient_scope");
    const stranger = await make.pat(await make.user());
    const hidden = await keep(project, job, h.as(stranger));
    expect(hidden.status).toBe(404);
    expect(await h.json(hidden)).toEqual({ message: "404 Project Not Found" });
  });
});
