import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS, projectMembers } from "../../../schema";
import { harness } from "../../helpers/harness";

const h = harness();
const { make, url } = h;
const addMember = (project: { id: number }, params: object, headers: Record<string, string>) =>
  h.fetch(url.members(project), h.send("POST", params, headers));

describe("POST /api/v4/projects/:id/members: only Owners grant Owner", () => {
  it("refuses a Maintainer adding an Owner with 403 and adds nobody, and lets an Owner do it", async () => {
    const project = await make.project();
    const maintainer = await make.memberWithToken(project, ACCESS_LEVELS.maintainer);
    const owner = await make.memberWithToken(project, ACCESS_LEVELS.owner);
    const newcomer = await make.user();
    const denied = await addMember(project, { user_id: newcomer.id, access_level: 50 }, h.as(maintainer.token));
    expect(denied.status).toBe(403);
    expect(await h.json(denied)).toEqual({ message: "403 Forbidden" });
    const rows = await h.db
      .select()
      .from(projectMembers)
      .where(and(eq(projectMembers.project_id, project.id), eq(projectMembers.user_id, newcomer.id)));
    expect(rows).toEqual([]);
    const granted = await addMember(project, { user_id: newcomer.id, access_level: 50 }, h.as(owner.token));
    expect(granted.status).toBe(201);
    expect(await h.json(granted)).toMatchObject({ id: newcomer.id, access_level: 50 });
  });

  it("lets a Maintainer add Maintainers, and answers an existing member 409 before the Owner check", async () => {
    const project = await make.project();
    const maintainer = await make.memberWithToken(project, ACCESS_LEVELS.maintainer);
    const peer = await make.user();
    expect((await addMember(project, { user_id: peer.id, access_level: 40 }, h.as(maintainer.token))).status).toBe(201);
    const again = await addMember(project, { user_id: peer.id, access_level: 50 }, h.as(maintainer.token));
    expect(again.status).toBe(409);
    expect(await h.json(again)).toEqual({ message: "Member already exists" });
  });
});
