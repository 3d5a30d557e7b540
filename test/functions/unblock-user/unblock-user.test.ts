import { describe, expect, it } from "vitest";
import { harness } from "../../helpers/harness";

const h = harness();
const { make } = h;
const unblock = (id: number, headers: Record<string, string> = h.admin) =>
  h.fetch(`/api/v4/users/${id}/unblock`, { method: "POST", headers });

describe("POST /api/v4/users/:id/unblock", () => {
  it("makes a blocked user active again (201 true), and answers 201 false for an active one", async () => {
    const user = await make.user();
    expect((await h.fetch(`/api/v4/users/${user.id}/block`, { method: "POST", headers: h.admin })).status).toBe(201);
    const res = await unblock(user.id);
    expect(res.status).toBe(201);
    expect(await res.text()).toBe("true");
    const again = await unblock(user.id);
    expect(again.status).toBe(201);
    expect(await again.text()).toBe("false");
  });

  it("leaves a deactivated user deactivated, with GitLab's 403", async () => {
    const user = await make.user({ state: "deactivated" });
    const res = await unblock(user.id);
    expect(res.status).toBe(403);
    expect(await h.json(res)).toEqual({ message: "403 Forbidden - Deactivated users cannot be unblocked by the API" });
  });

  it("is admin-only and 404 for an unknown user", async () => {
    const user = await make.user();
    expect((await unblock(user.id, {})).status).toBe(401);
    expect((await unblock(user.id, h.as(await make.pat(user)))).status).toBe(403);
    const missing = await unblock(2147480003);
    expect(await h.json(missing)).toEqual({ message: "404 User Not Found" });
  });
});
