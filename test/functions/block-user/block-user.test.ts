import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../../schema";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

const h = harness();
const { make, url } = h;
const block = (id: number | string, headers: Record<string, string> = h.admin) =>
  h.fetch(`/api/v4/users/${id}/block`, { method: "POST", headers });
const unblock = (id: number | string) => h.fetch(`/api/v4/users/${id}/unblock`, { method: "POST", headers: h.admin });

describe("POST /api/v4/users/:id/block", () => {
  it("blocks a user through the API: their token and their running job's token get GitLab's 403 until unblocked", async () => {
    const { project, job } = await make.jobWithArchive(smallZip(), {
      project: { visibility: "private" },
      job: { status: "success" },
    });
    const member = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    const running = await make.job(await make.pipeline(project, { ref: "other" }), { user: member.user });
    const read = (headers: Record<string, string>) => h.fetch(url.jobArtifacts(project, job), { headers });

    const res = await block(member.user.id);
    expect(res.status).toBe(201);
    expect(await res.text()).toBe("true");
    for (const headers of [h.as(member.token), { "JOB-TOKEN": running.token }]) {
      const denied = await read(headers);
      expect(denied.status).toBe(403);
      expect(await h.json(denied)).toEqual({ message: "403 Forbidden - Your account has been blocked." });
    }
    expect(await (await unblock(member.user.id)).text()).toBe("true");
    expect((await read(h.as(member.token))).status).toBe(302);
    expect((await read({ "JOB-TOKEN": running.token })).status).toBe(302);
  });

  it("answers 201 null for a user blocked already", async () => {
    const user = await make.user();
    await block(user.id);
    const again = await block(user.id);
    expect(again.status).toBe(201);
    expect(await again.text()).toBe("null");
  });

  it("is admin-only: 401 anonymous, 403 for a non-admin; an admin cannot block themselves", async () => {
    const user = await make.user();
    expect((await block(user.id, {})).status).toBe(401);
    const other = await make.user();
    const denied = await block(user.id, h.as(await make.pat(other)));
    expect(denied.status).toBe(403);
    expect(await h.json(denied)).toEqual({ message: "403 Forbidden" });
    const admin = await make.user({ admin: true });
    const self = await block(admin.id, h.as(await make.pat(admin)));
    expect(self.status).toBe(403);
    expect(await h.json(self)).toEqual({
      message: "403 Forbidden - The API initiating user cannot be blocked by the API",
    });
  });

  it("answers 404 User Not Found for an unknown user and 400 for an id that is not a number", async () => {
    const missing = await block(2147480002);
    expect(missing.status).toBe(404);
    expect(await h.json(missing)).toEqual({ message: "404 User Not Found" });
    expect((await block(99999999999)).status).toBe(404);
    const bad = await block("abc");
    expect(bad.status).toBe(400);
    expect(await h.json(bad)).toEqual({ error: "id is invalid" });
  });
});
