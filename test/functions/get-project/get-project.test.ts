import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../../schema";
import { harness, PUBLIC_URL } from "../../helpers/harness";

const h = harness();
const { make, url } = h;

describe("GET /api/v4/projects/:id", () => {
  it("shows a public project to anonymous callers, without permissions, by id or encoded path", async () => {
    const project = await make.project({ visibility: "public", public_builds: false });
    for (const id of [project.id, encodeURIComponent(project.full_path.toUpperCase())]) {
      const res = await h.fetch(url.project(id));
      expect(res.status).toBe(200);
      const body = await h.json(res);
      expect(body).toMatchObject({
        id: project.id,
        path: project.path,
        path_with_namespace: project.full_path,
        visibility: "public",
        web_url: `${PUBLIC_URL}/${project.full_path}`,
        public_jobs: false,
        jobs_enabled: true,
        builds_access_level: "enabled",
      });
      expect(body).not.toHaveProperty("permissions");
    }
  });

  it("shows a private project to its members with their access level", async () => {
    const project = await make.project();
    const reporter = await make.memberWithToken(project, ACCESS_LEVELS.reporter, ["read_api"]);
    const body = await h.json(await h.fetch(url.project(project), { headers: h.as(reporter.token) }));
    expect(body.permissions).toEqual({
      project_access: { access_level: ACCESS_LEVELS.reporter, notification_level: 3 },
      group_access: null,
    });
  });

  it("is 404 Project Not Found for a private project to anyone else, a job token alone included", async () => {
    const project = await make.project();
    const outsider = await make.pat(await make.user());
    const { token } = await make.job(await make.pipeline(project));
    for (const headers of [{}, h.as(outsider), { "JOB-TOKEN": token }]) {
      const res = await h.fetch(url.project(project), { headers });
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('{"message":"404 Project Not Found"}');
    }
    expect((await h.fetch(url.project(2 ** 40))).status).toBe(404);
    expect((await h.fetch(url.project("no-slash"))).status).toBe(404);
  });

  it("is 401 for an unknown token, even on a public project", async () => {
    const project = await make.project({ visibility: "public" });
    expect((await h.fetch(url.project(project), { headers: h.as("glpat-nope") })).status).toBe(401);
  });
});
