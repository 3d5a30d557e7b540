import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS, jobArtifacts, pipelines } from "../../../schema";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

const h = harness();
const { db, make, url } = h;
const lockOf = async (id: number) => (await db.select().from(pipelines).where(eq(pipelines.id, id)))[0]?.locked;

describe("DELETE /api/v4/projects/:id/artifacts", () => {
  it("answers 202 and expires the artifacts of unlocked pipelines only; downloads still work until the cleanup", async () => {
    const project = await make.project({ visibility: "public" });
    const admin = h.as(await make.pat(await make.user({ admin: true })));
    const succeed = (job: { job: { id: number }; token: string }) =>
      h.fetch(url.job(job.job), h.send("PUT", { state: "success" }, { "JOB-TOKEN": job.token }));
    const old = await make.pipeline(project, { ref: "main" });
    const oldJob = await make.job(old);
    await make.archive(oldJob.job, smallZip());
    expect((await succeed(oldJob)).status).toBe(200);
    const latest = await make.pipeline(project, { ref: "main" });
    const latestJob = await make.job(latest);
    await make.archive(latestJob.job, smallZip());
    expect(await lockOf(old.id)).toBe("artifacts_locked");
    // The newer pipeline succeeding unlocks the older one (keep latest artifacts is on).
    expect((await succeed(latestJob)).status).toBe(200);
    expect(await lockOf(old.id)).toBe("unlocked");
    expect(await lockOf(latest.id)).toBe("artifacts_locked");

    const res = await h.fetch(url.projectArtifacts(project), { method: "DELETE", headers: admin });
    expect(res.status).toBe(202);
    expect(await h.json(res)).toEqual({ message: "202 Accepted" });
    const [oldRow] = await db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, oldJob.job.id));
    const [latestRow] = await db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, latestJob.job.id));
    expect(oldRow?.expire_at?.getTime()).toBeLessThanOrEqual(Date.now());
    expect(latestRow?.expire_at).toBeNull();
    expect((await h.fetch(url.jobArtifacts(project, oldJob.job))).status).toBe(302);
  });

  it("needs Maintainer and api scope", async () => {
    const project = await make.project();
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    const remove = (headers: Record<string, string>) =>
      h.fetch(url.projectArtifacts(project), { method: "DELETE", headers });
    expect((await remove(h.as(developer.token))).status).toBe(403);
    expect((await remove({})).status).toBe(401);
  });
});
