import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS, jobTokenScopeLinks } from "../../../schema";
import { harness, type JobEntity, PUBLIC_URL } from "../../helpers/harness";

const h = harness();
const { db, make, url } = h;

/** A private project with a Developer whose pipeline runs `names` (the first one running). */
async function projectWithJobs(names: readonly string[], statuses: readonly ("success" | "failed" | "running")[]) {
  const project = await make.project();
  const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer, ["read_api"]);
  const pipeline = await make.pipeline(project, { user: developer.user });
  const made = [];
  for (const [i, name] of names.entries()) made.push(await make.job(pipeline, { name, status: statuses[i] }));
  return { project, developer, pipeline, jobs: made };
}

const ids = async (res: Response) => (await h.json<JobEntity[]>(res)).map((job) => job.id);

describe("GET /api/v4/projects/:id/jobs", () => {
  it("lists the project's jobs newest first, filtered by scope[] or scope", async () => {
    const { project, developer, jobs } = await projectWithJobs(["a", "b", "c"], ["running", "success", "failed"]);
    const headers = h.as(developer.token);
    const all = await h.fetch(url.projectJobs(project), { headers });
    expect(all.status).toBe(200);
    expect(await ids(all)).toEqual(jobs.map(({ job }) => job.id).reverse());
    const done = await h.fetch(`${url.projectJobs(project)}?scope[]=success&scope[]=failed`, { headers });
    expect(await ids(done)).toEqual([jobs[2]?.job.id, jobs[1]?.job.id]);
    const running = await h.fetch(`${url.projectJobs(project)}?scope=running`, { headers });
    expect(await ids(running)).toEqual([jobs[0]?.job.id]);
  });

  it("pages without counts, as GitLab's job list does: no X-Total, X-Total-Pages or rel=last", async () => {
    const { project, developer, jobs } = await projectWithJobs(["a", "b", "c"], ["success", "success", "success"]);
    const headers = h.as(developer.token);
    const base = `${PUBLIC_URL}${url.projectJobs(project)}`;
    const first = await h.fetch(`${url.projectJobs(project)}?per_page=2`, { headers });
    expect(await ids(first)).toEqual([jobs[2]?.job.id, jobs[1]?.job.id]);
    expect(first.headers.get("X-Page")).toBe("1");
    expect(first.headers.get("X-Per-Page")).toBe("2");
    expect(first.headers.get("X-Next-Page")).toBe("2");
    expect(first.headers.get("X-Prev-Page")).toBe("");
    expect(first.headers.get("X-Total")).toBeNull();
    expect(first.headers.get("X-Total-Pages")).toBeNull();
    expect(first.headers.get("Link")).toBe(
      `<${base}?id=${project.id}&page=2&per_page=2>; rel="next", <${base}?id=${project.id}&page=1&per_page=2>; rel="first"`,
    );
    const second = await h.fetch(`${url.projectJobs(project)}?per_page=2&page=2`, { headers });
    expect(await ids(second)).toEqual([jobs[0]?.job.id]);
    expect(second.headers.get("X-Next-Page")).toBe("");
    expect(second.headers.get("X-Prev-Page")).toBe("1");
  });

  it("takes the job's CI_JOB_TOKEN in its own project and in projects that allowlist it, else 403", async () => {
    const { project, developer, jobs } = await projectWithJobs(["build"], ["running"]);
    const token = jobs[0]?.token ?? "";
    expect((await h.fetch(url.projectJobs(project), { headers: { "JOB-TOKEN": token } })).status).toBe(200);
    expect((await h.fetch(`${url.projectJobs(project)}?job_token=${token}`)).status).toBe(200);
    const bearer = await h.fetch(url.projectJobs(project), { headers: { Authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(200);

    // The job's user is a Developer there too: outside the allowlist the role does not count.
    const other = await make.project();
    await make.member(other, developer.user, ACCESS_LEVELS.developer);
    const refused = await h.fetch(url.projectJobs(other), { headers: { "JOB-TOKEN": token } });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toBe(
      `{"message":"403 Forbidden - Authentication by CI/CD job token not allowed from ${project.path} to ${other.path}."}`,
    );
    await db.insert(jobTokenScopeLinks).values({ source_project_id: other.id, target_project_id: project.id });
    expect((await h.fetch(url.projectJobs(other), { headers: { "JOB-TOKEN": token } })).status).toBe(200);
  });

  it("treats the token of a job that runs as nobody as no credential: 401", async () => {
    const project = await make.project({ visibility: "public" });
    const { token } = await make.job(await make.pipeline(project));
    const res = await h.fetch(url.projectJobs(project), { headers: { "JOB-TOKEN": token } });
    expect(res.status).toBe(401);
  });

  it("is 401 without a token (public projects too) and for a finished job's token", async () => {
    const { project, jobs } = await projectWithJobs(["build"], ["success"]);
    const publicProject = await make.project({ visibility: "public" });
    expect((await h.fetch(url.projectJobs(publicProject))).status).toBe(401);
    const finished = await h.fetch(url.projectJobs(project), { headers: { "JOB-TOKEN": jobs[0]?.token ?? "" } });
    expect(finished.status).toBe(401);
  });

  it("answers Grape's 400s for bad scope and page parameters, and serves per_page past 100 as 100", async () => {
    const project = await make.project();
    const cases: [string, string][] = [
      ["scope[]=bogus", '{"error":"scope does not have a valid value"}'],
      ["page=abc", '{"error":"page is invalid"}'],
      ["page=0", '{"error":"page does not have a valid value"}'],
      ["per_page=0", '{"error":"per_page has a value not allowed"}'],
      ["per_page=-1", '{"error":"per_page does not have a valid value"}'],
    ];
    for (const [query, body] of cases) {
      const res = await h.fetch(`${url.projectJobs(project)}?${query}`, { headers: h.admin });
      expect(res.status).toBe(400);
      expect(await res.text()).toBe(body);
    }
    const big = await h.fetch(`${url.projectJobs(project)}?per_page=500`, { headers: h.admin });
    expect(big.headers.get("X-Per-Page")).toBe("100");
    expect(big.headers.get("Link")).toContain("per_page=500");
  });
});
