import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { projects } from "../../schema";
import { factories } from "../helpers/factories";
import { admin, body, harness, json, PUBLIC_URL, unique } from "../helpers/harness";

const { fetch, db } = harness();
const make = factories(db);

describe("POST /api/v4/projects", () => {
  it("creates a project under a nested namespace", async () => {
    const namespace = `${unique("group")}/sub`;
    const res = await fetch(
      "/api/v4/projects",
      json({ path: "app", namespace, visibility: "public", public_builds: false }, admin),
    );
    expect(res.status).toBe(201);
    const created = await body<{ id: number }>(res);
    expect(created).toEqual({
      id: expect.any(Number),
      path: "app",
      path_with_namespace: `${namespace}/app`,
      visibility: "public",
      public_builds: false,
      keep_latest_artifact: true,
      web_url: `${PUBLIC_URL}/${namespace}/app`,
    });
    const [row] = await db.select().from(projects).where(eq(projects.id, created.id));
    expect(row).toMatchObject({ full_path: `${namespace}/app`, ci_inbound_job_token_scope_enabled: true });
  });

  it("defaults to a private project with public pipelines, under root", async () => {
    const path = unique("p");
    const res = await fetch("/api/v4/projects", json({ path }, admin));
    expect(await body(res)).toMatchObject({
      path_with_namespace: `root/${path}`,
      visibility: "private",
      public_builds: true,
    });
  });

  it("refuses a full path that exists already, whatever its case", async () => {
    const namespace = unique("Group");
    await fetch("/api/v4/projects", json({ path: "App", namespace }, admin));
    const res = await fetch("/api/v4/projects", json({ path: "app", namespace: namespace.toLowerCase() }, admin));
    expect(res.status).toBe(400);
    expect(await body(res)).toEqual({ message: { path: ["has already been taken"] } });
  });

  it("validates visibility and path", async () => {
    const visibility = await fetch("/api/v4/projects", json({ path: unique("p"), visibility: "secret" }, admin));
    expect(await body(visibility)).toEqual({ error: "visibility does not have a valid value" });
    const path = await fetch("/api/v4/projects", json({ path: "../etc" }, admin));
    expect(await body(path)).toEqual({ error: "path is invalid" });
  });

  it("is for admins only", async () => {
    const user = await make.user();
    const res = await fetch("/api/v4/projects", json({ path: unique("p") }, { "PRIVATE-TOKEN": await make.pat(user) }));
    expect(res.status).toBe(403);
  });
});
