import { describe, expect, it } from "vitest";
import { JOB_TIMEOUT_SECONDS, JOB_TOKEN_LEEWAY_SECONDS } from "../../../lib/auth/rules";
import { ACCESS_LEVELS } from "../../../schema";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

const h = harness();
const { make, url } = h;

/** A running job of a member of a private project with an archive, started `secondsAgo` ago. */
async function runningSince(secondsAgo: number) {
  const { project, job: target } = await make.jobWithArchive(smallZip(), { job: { status: "success" } });
  const runner = await make.user();
  await make.member(project, runner, ACCESS_LEVELS.developer);
  const startedAt = new Date(Date.now() - secondsAgo * 1000);
  const { job, token } = await make.job(await make.pipeline(project, { ref: "other" }), { user: runner, startedAt });
  return { project, target, job, token };
}

describe("a job token lives as long as its job's timeout (60 minutes) and GitLab's 5-minute leeway", () => {
  const lifetime = JOB_TIMEOUT_SECONDS + JOB_TOKEN_LEEWAY_SECONDS;

  it("still authenticates a running job within its timeout and leeway, on downloads and runner routes", async () => {
    const { project, target, job, token } = await runningSince(lifetime - 60);
    const download = await h.fetch(url.jobArtifacts(project, target), { headers: { "JOB-TOKEN": token } });
    expect(download.status).toBe(302);
    const authorize = await h.fetch(`${url.authorizeJobArtifacts(job)}?filesize=1`, {
      method: "POST",
      headers: { "JOB-TOKEN": token },
    });
    expect(authorize.status).toBe(200);
  });

  it("refuses a running job's token past its timeout: 401 on downloads, as a finished job's", async () => {
    const { project, target, token } = await runningSince(lifetime + 60);
    const both: Record<string, string>[] = [{ "JOB-TOKEN": token }, { Authorization: `Bearer ${token}` }];
    for (const headers of both) {
      const res = await h.fetch(url.jobArtifacts(project, target), { headers });
      expect(res.status).toBe(401);
      expect(await h.json(res)).toEqual({ message: "401 Unauthorized" });
    }
  });

  it("refuses a running job past its timeout on runner routes, as GitLab once it dropped the stuck job", async () => {
    const { job, token } = await runningSince(lifetime + 60);
    const update = await h.fetch(url.job(job), h.send("PUT", { state: "success" }, { "JOB-TOKEN": token }));
    const authorize = await h.fetch(url.authorizeJobArtifacts(job), {
      method: "POST",
      headers: { "JOB-TOKEN": token },
    });
    for (const res of [update, authorize]) {
      expect(res.status).toBe(403);
      expect(await h.json(res)).toEqual({ message: "403 Forbidden - Job is not processing on runner" });
    }
  });
});
