import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { personalAccessTokens } from "../../../schema";
import { harness } from "../../helpers/harness";

const h = harness();
const { make } = h;
const revoke = (id: number | string, headers: Record<string, string>) =>
  h.fetch(`/api/v4/personal_access_tokens/${id}`, { method: "DELETE", headers });

/** A token made through the admin API, with its id. */
async function tokenOf(user: { id: number }) {
  const res = await h.fetch(h.url.personalAccessTokens(user), h.send("POST", { name: "t", scopes: ["api"] }, h.admin));
  return h.json<{ id: number; token: string }>(res);
}

const revokedBody = {
  error: "invalid_token",
  error_description: "Token was revoked. You have to re-authorize from the user.",
};

describe("DELETE /api/v4/personal_access_tokens/:id", () => {
  it("lets an admin revoke a token (204), after which it is 401 Token was revoked", async () => {
    const user = await make.user();
    const { id, token } = await tokenOf(user);
    const res = await revoke(id, h.admin);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    const after = await h.fetch(`/api/v4/personal_access_tokens/${id}`, { method: "DELETE", headers: h.as(token) });
    expect(after.status).toBe(401);
    expect(await h.json(after)).toEqual(revokedBody);
  });

  it("lets a user revoke their own token, and refuses another's with 400", async () => {
    const owner = await make.user();
    const mine = await tokenOf(owner);
    const other = await tokenOf(await make.user());
    const denied = await revoke(other.id, h.as(mine.token));
    expect(denied.status).toBe(400);
    expect(await h.json(denied)).toEqual({ message: "400 Bad request" });
    const [row] = await h.db.select().from(personalAccessTokens).where(eq(personalAccessTokens.id, other.id));
    expect(row?.revoked).toBe(false);
    expect((await revoke(mine.id, h.as(mine.token))).status).toBe(204);
  });

  it("is 401 anonymous and 404 Not found for a token that does not exist", async () => {
    expect((await revoke(1, {})).status).toBe(401);
    for (const id of [2147480004, 99999999999, "abc"]) {
      const res = await revoke(id, h.admin);
      expect(res.status).toBe(404);
      expect(await h.json(res)).toEqual({ message: "404 Not found" });
    }
  });
});
