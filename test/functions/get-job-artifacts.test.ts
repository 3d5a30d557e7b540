import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../schema";
import { factories } from "../helpers/factories";
import { body, harness } from "../helpers/harness";
import { smallZip } from "../helpers/zips";

const { fetch, db, storage, cost } = harness();
const make = factories(db, storage);

async function publicJobWithArchive(options: Parameters<typeof make.archive>[2] = {}) {
  const project = await make.project({ visibility: "public" });
  const pipeline = await make.pipeline(project);
  const { job } = await make.job(pipeline);
  const zip = smallZip({ "a.txt": "alpha" });
  const stored = await make.archive(job, zip, options);
  return { project, pipeline, job, zip, stored };
}

describe("GET /api/v4/projects/:id/jobs/:job_id/artifacts", () => {
  it("redirects to a presigned URL that serves the zip as artifacts.zip, with one SQL statement and no storage request", async () => {
    const { project, job, zip, stored } = await publicJobWithArchive();
    const {
      result: res,
      queries,
      reads,
    } = await cost(() => fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts`));
    expect(res.status).toBe(302);
    expect(queries).toHaveLength(1);
    expect(reads).toHaveLength(0);
    const location = res.headers.get("location") ?? "";
    const url = new URL(location);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("300");
    expect(url.searchParams.get("response-content-disposition")).toContain('filename="artifacts.zip"');
    expect(await res.text()).toBe(`This resource has been moved temporarily to ${location}.`);
    expect(res.headers.get("etag")).toBe(`"${stored.sha256}"`);

    const download = await globalThis.fetch(location);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toContain('filename="artifacts.zip"');
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(zip);
  });

  it("finds the project by its encoded full path in any case", async () => {
    const { project, job } = await publicJobWithArchive();
    const res = await fetch(
      `/api/v4/projects/${encodeURIComponent(project.full_path.toUpperCase())}/jobs/${job.id}/artifacts`,
    );
    expect(res.status).toBe(302);
  });

  it("answers HEAD with a redirect to a presigned HEAD URL", async () => {
    const { project, job, zip } = await publicJobWithArchive();
    const res = await fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts`, { method: "HEAD" });
    expect(res.status).toBe(302);
    const head = await globalThis.fetch(res.headers.get("location") ?? "", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(zip.length));
  });

  it("answers a matching If-None-Match with 304", async () => {
    const { project, job, stored } = await publicJobWithArchive();
    const res = await fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts`, {
      headers: { "if-none-match": `"${stored.sha256}"` },
    });
    expect(res.status).toBe(304);
  });

  it("still serves an expired archive the cleanup has not removed (GitLab checks no expiry here)", async () => {
    const { project, job } = await publicJobWithArchive({ expireAt: new Date(Date.now() - 86_400_000) });
    expect((await fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts`)).status).toBe(302);
  });

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

describe("who may download an archive", () => {
  async function privateProject() {
    const project = await make.project({ visibility: "private" });
    const { job } = await make.job(await make.pipeline(project));
    await make.archive(job, smallZip());
    return { project, job };
  }
  const get = (projectId: number, jobId: number, headers: Record<string, string> = {}) =>
    fetch(`/api/v4/projects/${projectId}/jobs/${jobId}/artifacts`, { headers });

  it("answers anonymous callers of a private project 404, never 401 or 403", async () => {
    const { project, job } = await privateProject();
    const res = await get(project.id, job.id);
    expect(res.status).toBe(404);
    expect(await body(res)).toEqual({ message: "404 Project Not Found" });
  });

  it("lets a Guest download only while the project's pipelines are public", async () => {
    const closed = await make.project({ visibility: "private", public_builds: false });
    const { job } = await make.job(await make.pipeline(closed));
    await make.archive(job, smallZip());
    const guest = await make.memberWithToken(closed, ACCESS_LEVELS.guest);
    const reporter = await make.memberWithToken(closed, ACCESS_LEVELS.reporter, ["read_api"]);
    const denied = await get(closed.id, job.id, { "PRIVATE-TOKEN": guest.token });
    expect(denied.status).toBe(403);
    expect(await body(denied)).toEqual({ message: "403 Forbidden" });
    expect((await get(closed.id, job.id, { "PRIVATE-TOKEN": reporter.token })).status).toBe(302);

    const open = await privateProject();
    const openGuest = await make.memberWithToken(open.project, ACCESS_LEVELS.guest);
    expect((await get(open.project.id, open.job.id, { "PRIVATE-TOKEN": openGuest.token })).status).toBe(302);
  });

  it("forbids anonymous downloads from a public project whose pipelines are not public", async () => {
    const project = await make.project({ visibility: "public", public_builds: false });
    const { job } = await make.job(await make.pipeline(project));
    await make.archive(job, smallZip());
    expect((await get(project.id, job.id)).status).toBe(403);
  });

  it("lets any signed-in user, but not anonymous, into an internal project", async () => {
    const project = await make.project({ visibility: "internal" });
    const { job } = await make.job(await make.pipeline(project));
    await make.archive(job, smallZip());
    const someone = await make.pat(await make.user());
    expect((await get(project.id, job.id)).status).toBe(404);
    expect((await get(project.id, job.id, { "PRIVATE-TOKEN": someone })).status).toBe(302);
  });

  it("keeps developer-only archives from Reporters and anonymous users, and gives them to Developers", async () => {
    const project = await make.project({ visibility: "public" });
    const { job } = await make.job(await make.pipeline(project));
    await make.archive(job, smallZip(), { accessibility: "private" });
    const reporter = await make.memberWithToken(project, ACCESS_LEVELS.reporter);
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    expect((await get(project.id, job.id)).status).toBe(403);
    expect((await get(project.id, job.id, { "PRIVATE-TOKEN": reporter.token })).status).toBe(403);
    expect((await get(project.id, job.id, { "PRIVATE-TOKEN": developer.token })).status).toBe(302);
  });

  it("refuses access: none archives to everyone, even the admin", async () => {
    const project = await make.project({ visibility: "public" });
    const { job } = await make.job(await make.pipeline(project));
    await make.archive(job, smallZip(), { accessibility: "none" });
    const maintainer = await make.memberWithToken(project, ACCESS_LEVELS.owner);
    const admin = await make.pat(await make.user({ admin: true }));
    const callers: Record<string, string>[] = [{}, { "PRIVATE-TOKEN": maintainer.token }, { "PRIVATE-TOKEN": admin }];
    for (const headers of callers) {
      expect((await get(project.id, job.id, headers)).status).toBe(403);
    }
  });

  it("refuses everyone when the project's CI/CD is off", async () => {
    const project = await make.project({ visibility: "public", builds_enabled: false });
    const { job } = await make.job(await make.pipeline(project));
    await make.archive(job, smallZip());
    expect((await get(project.id, job.id)).status).toBe(403);
  });

  it("lets an admin user into any private project", async () => {
    const { project, job } = await privateProject();
    const admin = await make.pat(await make.user({ admin: true }));
    expect((await get(project.id, job.id, { "PRIVATE-TOKEN": admin })).status).toBe(302);
  });
});
