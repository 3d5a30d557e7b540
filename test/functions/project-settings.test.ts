import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS, jobTokenScopeLinks, projectMembers, projects } from "../../schema";
import { factories } from "../helpers/factories";
import { admin, body, harness, json } from "../helpers/harness";

const { fetch, db } = harness();
const make = factories(db);

const as = (token: string) => ({ "PRIVATE-TOKEN": token });
const patch = (body: unknown, headers: Record<string, string>): RequestInit => ({
  ...json(body, headers),
  method: "PATCH",
});

describe("POST /api/v4/projects/:id/members", () => {
  it("adds a member with a GitLab access level", async () => {
    const project = await make.project();
    const user = await make.user();
    const res = await fetch(
      `/api/v4/projects/${project.id}/members`,
      json({ user_id: user.id, access_level: 30 }, admin),
    );
    expect(res.status).toBe(201);
    expect(await body(res)).toEqual({ id: user.id, username: user.username, access_level: 30 });
    const [row] = await db
      .select()
      .from(projectMembers)
      .where(and(eq(projectMembers.project_id, project.id), eq(projectMembers.user_id, user.id)));
    expect(row?.access_level).toBe(30);
  });

  it("lets a Maintainer add members but not a Developer", async () => {
    const project = await make.project();
    const maintainer = await make.memberWithToken(project, ACCESS_LEVELS.maintainer);
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    const a = await make.user();
    const b = await make.user();
    expect(
      (
        await fetch(
          `/api/v4/projects/${project.id}/members`,
          json({ user_id: a.id, access_level: 20 }, as(maintainer.token)),
        )
      ).status,
    ).toBe(201);
    const denied = await fetch(
      `/api/v4/projects/${project.id}/members`,
      json({ user_id: b.id, access_level: 20 }, as(developer.token)),
    );
    expect(denied.status).toBe(403);
  });

  it("answers 404 Project Not Found to a stranger of a private project, by id and by path", async () => {
    const project = await make.project();
    const stranger = await make.user();
    const token = await make.pat(stranger);
    for (const id of [String(project.id), encodeURIComponent(project.full_path.toUpperCase())]) {
      const res = await fetch(
        `/api/v4/projects/${id}/members`,
        json({ user_id: stranger.id, access_level: 50 }, as(token)),
      );
      expect(res.status).toBe(404);
      expect(await body(res)).toEqual({ message: "404 Project Not Found" });
    }
  });

  it("finds a project by its URL-encoded full path, case-insensitively", async () => {
    const project = await make.project();
    const user = await make.user();
    const id = encodeURIComponent(project.full_path.toUpperCase());
    const res = await fetch(`/api/v4/projects/${id}/members`, json({ user_id: user.id, access_level: 10 }, admin));
    expect(res.status).toBe(201);
  });

  it("rejects an access level GitLab does not have", async () => {
    const project = await make.project();
    const user = await make.user();
    const res = await fetch(
      `/api/v4/projects/${project.id}/members`,
      json({ user_id: user.id, access_level: 35 }, admin),
    );
    expect(res.status).toBe(400);
    expect(await body(res)).toEqual({ error: "access_level is invalid" });
  });
});

describe("PATCH /api/v4/projects/:id/job_token_scope and the allowlist", () => {
  it("turns the inbound job-token scope off and on", async () => {
    const project = await make.project();
    const off = await fetch(`/api/v4/projects/${project.id}/job_token_scope`, patch({ enabled: false }, admin));
    expect(off.status).toBe(204);
    expect(await off.text()).toBe("");
    const [row] = await db.select().from(projects).where(eq(projects.id, project.id));
    expect(row?.ci_inbound_job_token_scope_enabled).toBe(false);
    await fetch(`/api/v4/projects/${project.id}/job_token_scope`, patch({ enabled: true }, admin));
    const [again] = await db.select().from(projects).where(eq(projects.id, project.id));
    expect(again?.ci_inbound_job_token_scope_enabled).toBe(true);
  });

  it("adds a project to the allowlist once", async () => {
    const project = await make.project();
    const other = await make.project();
    const res = await fetch(
      `/api/v4/projects/${project.id}/job_token_scope/allowlist`,
      json({ target_project_id: other.id }, admin),
    );
    expect(res.status).toBe(201);
    expect(await body(res)).toEqual({ source_project_id: project.id, target_project_id: other.id });
    const links = await db
      .select()
      .from(jobTokenScopeLinks)
      .where(eq(jobTokenScopeLinks.source_project_id, project.id));
    expect(links.map((l) => l.target_project_id)).toEqual([other.id]);
    const again = await fetch(
      `/api/v4/projects/${project.id}/job_token_scope/allowlist`,
      json({ target_project_id: other.id }, admin),
    );
    expect(again.status).toBe(400);
  });

  it("is 404 for an allowlist target that does not exist", async () => {
    const project = await make.project();
    const res = await fetch(
      `/api/v4/projects/${project.id}/job_token_scope/allowlist`,
      json({ target_project_id: 2147480000 }, admin),
    );
    expect(res.status).toBe(404);
  });

  it("needs Maintainer: a Developer gets 403", async () => {
    const project = await make.project();
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    const res = await fetch(
      `/api/v4/projects/${project.id}/job_token_scope`,
      patch({ enabled: false }, as(developer.token)),
    );
    expect(res.status).toBe(403);
  });
});
