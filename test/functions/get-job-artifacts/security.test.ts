import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../../schema";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

const h = harness();
const { make } = h;

describe("who may download an archive", () => {
  async function privateProject() {
    const project = await make.project({ visibility: "private" });
    const { job } = await make.job(await make.pipeline(project));
    await make.archive(job, smallZip());
    return { project, job };
  }
  const get = (projectId: number, jobId: number, headers: Record<string, string> = {}) =>
    h.fetch(h.url.jobArtifacts(projectId, jobId), { headers });

  it("answers anonymous callers of a private project 404, never 401 or 403", async () => {
    const { project, job } = await privateProject();
    const res = await get(project.id, job.id);
    expect(res.status).toBe(404);
    expect(await h.json(res)).toEqual({ message: "404 Project Not Found" });
  });

  it("lets a Guest download only while the project's pipelines are public", async () => {
    const closed = await make.project({ visibility: "private", public_builds: false });
    const { job } = await make.job(await make.pipeline(closed));
    await make.archive(job, smallZip());
    const guest = await make.memberWithToken(closed, ACCESS_LEVELS.guest);
    const reporter = await make.memberWithToken(closed, ACCESS_LEVELS.reporter, ["read_api"]);
    const denied = await get(closed.id, job.id, h.as(guest.token));
    expect(denied.status).toBe(403);
    expect(await h.json(denied)).toEqual({ message: "403 Forbidden" });
    expect((await get(closed.id, job.id, h.as(reporter.token))).status).toBe(302);

    const open = await privateProject();
    const openGuest = await make.memberWithToken(open.project, ACCESS_LEVELS.guest);
    expect((await get(open.project.id, open.job.id, h.as(openGuest.token))).status).toBe(302);
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
    expect((await get(project.id, job.id, h.as(someone))).status).toBe(302);
  });

  it("keeps developer-only archives from Reporters and anonymous users, and gives them to Developers", async () => {
    const project = await make.project({ visibility: "public" });
    const { job } = await make.job(await make.pipeline(project));
    await make.archive(job, smallZip(), { accessibility: "private" });
    const reporter = await make.memberWithToken(project, ACCESS_LEVELS.reporter);
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    expect((await get(project.id, job.id)).status).toBe(403);
    expect((await get(project.id, job.id, h.as(reporter.token))).status).toBe(403);
    expect((await get(project.id, job.id, h.as(developer.token))).status).toBe(302);
  });

  it("refuses access: none archives to everyone, even the admin", async () => {
    const project = await make.project({ visibility: "public" });
    const { job } = await make.job(await make.pipeline(project));
    await make.archive(job, smallZip(), { accessibility: "none" });
    const maintainer = await make.memberWithToken(project, ACCESS_LEVELS.owner);
    const admin = await make.pat(await make.user({ admin: true }));
    const callers: Record<string, string>[] = [{}, h.as(maintainer.token), h.as(admin)];
    const statuses = [];
    for (const headers of callers) statuses.push((await get(project.id, job.id, headers)).status);
    expect(statuses).toEqual([403, 403, 403]);
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
    expect((await get(project.id, job.id, h.as(admin))).status).toBe(302);
  });
});
