import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../../schema";
import { body } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";
import { fetch, make } from "./fixtures";

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
