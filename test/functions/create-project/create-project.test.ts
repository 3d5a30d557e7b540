import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { projects } from "../../../schema";
import { harness, PUBLIC_URL, unique } from "../../helpers/harness";

const h = harness();
const createProject = (params: object, headers = h.admin) => h.fetch(h.url.projects(), h.send("POST", params, headers));

describe("POST /api/v4/projects", () => {
  it("creates a project under a nested namespace", async () => {
    const namespace = `${unique("group")}/sub`;
    const res = await createProject({ path: "app", namespace, visibility: "public", public_builds: false });
    expect(res.status).toBe(201);
    const created = await h.json<{ id: number }>(res);
    expect(created).toEqual({
      id: expect.any(Number),
      path: "app",
      path_with_namespace: `${namespace}/app`,
      visibility: "public",
      public_builds: false,
      keep_latest_artifact: true,
      web_url: `${PUBLIC_URL}/${namespace}/app`,
    });
    const [row] = await h.db.select().from(projects).where(eq(projects.id, created.id));
    expect(row).toMatchObject({ full_path: `${namespace}/app`, ci_inbound_job_token_scope_enabled: true });
  });

  it("defaults to a private project with public pipelines, under root", async () => {
    const path = unique("p");
    const res = await createProject({ path });
    expect(await h.json(res)).toMatchObject({
      path_with_namespace: `root/${path}`,
      visibility: "private",
      public_builds: true,
    });
  });

  it("refuses a full path that exists already, whatever its case", async () => {
    const namespace = unique("Group");
    await createProject({ path: "App", namespace });
    const res = await createProject({ path: "app", namespace: namespace.toLowerCase() });
    expect(res.status).toBe(400);
    expect(await h.json(res)).toEqual({ message: { path: ["has already been taken"] } });
  });

  it("validates visibility and path", async () => {
    const visibility = await createProject({ path: unique("p"), visibility: "secret" });
    expect(await h.json(visibility)).toEqual({ error: "visibility does not have a valid value" });
    const path = await createProject({ path: "../etc" });
    expect(await h.json(path)).toEqual({ error: "path is invalid" });
  });

  it("is for admins only", async () => {
    const user = await h.make.user();
    const res = await createProject({ path: unique("p") }, h.as(await h.make.pat(user)));
    expect(res.status).toBe(403);
  });
});
