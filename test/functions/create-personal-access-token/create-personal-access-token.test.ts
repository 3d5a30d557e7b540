import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../lib/auth/tokens";
import { personalAccessTokens } from "../../../schema";
import { harness, unique } from "../../helpers/harness";

const h = harness();
const { make, url } = h;

// The handler renders this inline (GitLab's API::Entities::PersonalAccessTokenWithToken).
type Created = { id: number; token: string; scopes: string[]; expires_at: string | null; active: boolean };
const createToken = (user: { id: number } | number, params: object, headers = h.admin) =>
  h.fetch(url.personalAccessTokens(user), h.send("POST", params, headers));

describe("POST /api/v4/users/:user_id/personal_access_tokens", () => {
  it("returns the token once and stores only its SHA-256", async () => {
    const user = await make.user();
    const res = await createToken(user, { name: "ci", scopes: ["read_api"], expires_at: "2099-01-31" });
    expect(res.status).toBe(201);
    const created = await h.json<Created>(res);
    expect(created).toMatchObject({
      name: "ci",
      user_id: user.id,
      scopes: ["read_api"],
      expires_at: "2099-01-31",
      active: true,
      revoked: false,
    });
    expect(created.token).toMatch(/^glpat-[A-Za-z0-9_-]{20,}$/);
    const [row] = await h.db.select().from(personalAccessTokens).where(eq(personalAccessTokens.id, created.id));
    expect(row?.token_digest).toBe(sha256Hex(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token);
  });

  it("gives an admin user's token the admin routes", async () => {
    const root = await make.user({ admin: true });
    const { token } = await h.json<Created>(await createToken(root, { name: "t", scopes: "api" }));
    const created = await h.fetch(url.users(), h.send("POST", { username: unique("made-by-admin") }, h.as(token)));
    expect(created.status).toBe(201);
  });

  it("is 403 for a token of a user who is not an admin", async () => {
    const user = await make.user();
    const res = await createToken(user, { name: "t", scopes: ["api"] }, h.as(await make.pat(user)));
    expect(res.status).toBe(403);
    expect(await h.json(res)).toEqual({ message: "403 Forbidden" });
  });

  it("rejects unknown scopes and a malformed expiry", async () => {
    const user = await make.user();
    const scopes = await createToken(user, { name: "t", scopes: ["root"] });
    expect(scopes.status).toBe(400);
    expect(await h.json(scopes)).toEqual({ error: "scopes does not have a valid value" });
    const date = await createToken(user, { name: "t", scopes: ["api"], expires_at: "next year" });
    expect(await h.json(date)).toEqual({ error: "expires_at is invalid" });
  });

  it("is 404 for a user that does not exist", async () => {
    const res = await createToken(2147483000, { name: "t", scopes: ["api"] });
    expect(res.status).toBe(404);
    expect(await h.json(res)).toEqual({ message: "404 User Not Found" });
  });
});
