import { beforeAll, describe, expect, it } from "vitest";
import type { Project } from "../../../schema";
import { ACCESS_LEVELS } from "../../../schema";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

const h = harness();
const { make, url } = h;

let project: Project;
let jobId: number;
let pat: string;
let jobToken: string;

beforeAll(async () => {
  const made = await make.jobWithArchive(smallZip(), {
    project: { visibility: "private" },
    job: { name: "all", status: "success" },
  });
  await make.finishPipeline(made.pipeline);
  project = made.project;
  jobId = made.job.id;
  pat = (await make.memberWithToken(project, ACCESS_LEVELS.developer)).token;
  const runner = await make.user();
  await make.member(project, runner, ACCESS_LEVELS.developer);
  jobToken = (await make.job(await make.pipeline(project, { ref: "other" }), { user: runner })).token;
});

const get = (query: string, headers: Record<string, string> = {}) =>
  h.fetch(`${url.jobArtifacts(project, jobId)}?${query}`, { headers });

describe("credentials in GitLab's order: parameters before headers, a repeated parameter's last value", () => {
  it.each([
    [
      "a valid private_token beside a bad PRIVATE-TOKEN",
      () => get(`private_token=${pat}`, { "PRIVATE-TOKEN": "glpat-bad" }),
      302,
    ],
    ["a valid job_token beside a bad JOB-TOKEN", () => get(`job_token=${jobToken}`, { "JOB-TOKEN": "glcbt-bad" }), 302],
    ["a valid token beside a bad JOB-TOKEN", () => get(`token=${jobToken}`, { "JOB-TOKEN": "glcbt-bad" }), 302],
    [
      "a bad private_token beside a valid PRIVATE-TOKEN",
      () => get("private_token=glpat-bad", { "PRIVATE-TOKEN": pat }),
      401,
    ],
    ["a repeated job_token whose last value is bad", () => get(`job_token=${jobToken}&job_token=glcbt-bad`), 401],
    [
      "a repeated private_token whose last value is valid",
      () => get(`private_token=glpat-bad&private_token=${pat}`),
      302,
    ],
    ["a PAT as the access_token parameter (a Bearer source)", () => get(`access_token=${pat}`), 302],
    ["a job token as the bearer_token parameter", () => get(`bearer_token=${jobToken}`), 302],
  ])("%s", async (_, request, status) => {
    expect((await request()).status).toBe(status);
  });

  it("takes the last of a repeated job parameter on the ref routes", async () => {
    const res = await h.fetch(`${url.refArtifacts(project, "main", "none")}&job=all`, { headers: h.as(pat) });
    expect(res.status).toBe(302);
  });

  it("takes the runner's token parameter before its JOB-TOKEN header", async () => {
    const other = await make.job(await make.pipeline(project, { ref: "third" }));
    const res = await h.fetch(`${url.authorizeJobArtifacts(other.job)}?token=${other.token}&filesize=1`, {
      method: "POST",
      headers: { "JOB-TOKEN": jobToken },
    });
    expect(res.status).toBe(200);
  });
});
