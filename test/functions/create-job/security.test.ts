import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../../schema";
import { type CreatedJobEntity, harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

const h = harness();
const { make, url } = h;

describe("POST /api/v4/projects/:id/pipelines/:pipeline_id/jobs: who the job acts as", () => {
  it("runs a Developer's job on another user's pipeline as the Developer, so its token cannot read the other's projects", async () => {
    const ci = await make.project();
    const secret = await make.project();
    const victim = await make.memberWithToken(ci, ACCESS_LEVELS.developer);
    await make.member(secret, victim.user, ACCESS_LEVELS.developer);
    const attacker = await make.memberWithToken(ci, ACCESS_LEVELS.developer);
    const link = await h.fetch(url.jobTokenAllowlist(secret), h.send("POST", { target_project_id: ci.id }, h.admin));
    expect(link.status).toBe(201);
    const { job: secretJob } = await make.job(await make.pipeline(secret, { user: victim.user }));
    await make.archive(secretJob, smallZip());
    const victimPipeline = await make.pipeline(ci, { user: victim.user });

    const res = await h.fetch(
      url.pipelineJobs(ci, victimPipeline),
      h.send("POST", { name: "evil" }, h.as(attacker.token)),
    );
    expect(res.status).toBe(201);
    const job = await h.json<CreatedJobEntity>(res);
    expect(job.user?.id).toBe(attacker.user.id);
    const read = await h.fetch(url.jobArtifacts(secret, secretJob), { headers: { "JOB-TOKEN": job.token } });
    expect(read.status).toBe(403);
    expect(await h.json(read)).toEqual({
      message: `403 Forbidden - Authentication by CI/CD job token not allowed from ${ci.path} to ${secret.path}.`,
    });
  });

  it("ignores user_id from a non-admin, and lets an admin name the user", async () => {
    const ci = await make.project();
    const other = await make.user();
    const dev = await make.memberWithToken(ci, ACCESS_LEVELS.developer);
    const pipeline = await make.pipeline(ci);
    const byDev = await h.fetch(
      url.pipelineJobs(ci, pipeline),
      h.send("POST", { name: "a", user_id: other.id }, h.as(dev.token)),
    );
    expect((await h.json<CreatedJobEntity>(byDev)).user?.id).toBe(dev.user.id);
    const byAdmin = await h.fetch(
      url.pipelineJobs(ci, pipeline),
      h.send("POST", { name: "b", user_id: other.id }, h.admin),
    );
    expect((await h.json<CreatedJobEntity>(byAdmin)).user?.id).toBe(other.id);
  });
});
