import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS, projectMembers } from "../../../schema";
import { harness } from "../../helpers/harness";

const h = harness();
const { make, url } = h;
const addMember = (project: Parameters<typeof url.members>[0], params: object, headers = h.admin) =>
  h.fetch(url.members(project), h.send("POST", params, headers));

describe("POST /api/v4/projects/:id/members", () => {
  it("adds a member with a GitLab access level", async () => {
    const project = await make.project();
    const user = await make.user();
    const res = await addMember(project, { user_id: user.id, access_level: 30 });
    expect(res.status).toBe(201);
    expect(await h.json(res)).toEqual({ id: user.id, username: user.username, access_level: 30 });
    const [row] = await h.db
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
    expect((await addMember(project, { user_id: a.id, access_level: 20 }, h.as(maintainer.token))).status).toBe(201);
    const denied = await addMember(project, { user_id: b.id, access_level: 20 }, h.as(developer.token));
    expect(denied.status).toBe(403);
  });

  describe("answers 404 Project Not Found to a stranger of a private project", () => {
    it.each([
      ["by id", (p: { id: number }) => String(p.id)],
      ["by path", (p: { full_path: string }) => encodeURIComponent(p.full_path.toUpperCase())],
    ])("%s", async (_, idOf) => {
      const project = await make.project();
      const stranger = await make.user();
      const res = await addMember(
        idOf(project),
        { user_id: stranger.id, access_level: 50 },
        h.as(await make.pat(stranger)),
      );
      expect(res.status).toBe(404);
      expect(await h.json(res)).toEqual({ message: "404 Project Not Found" });
    });
  });

  it("finds a project by its URL-encoded full path, case-insensitively", async () => {
    const project = await make.project();
    const user = await make.user();
    const res = await addMember(encodeURIComponent(project.full_path.toUpperCase()), {
      user_id: user.id,
      access_level: 10,
    });
    expect(res.status).toBe(201);
  });

  it("rejects an access level GitLab does not have", async () => {
    const project = await make.project();
    const user = await make.user();
    const res = await addMember(project, { user_id: user.id, access_level: 35 });
    expect(res.status).toBe(400);
    expect(await h.json(res)).toEqual({ error: "access_level is invalid" });
  });
});
