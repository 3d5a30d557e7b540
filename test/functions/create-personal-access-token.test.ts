import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../lib/auth/tokens";
import { personalAccessTokens } from "../../schema";
import { factories } from "../helpers/factories";
import { admin, body, harness, json, unique } from "../helpers/harness";

const { fetch, db } = harness();
const make = factories(db);

type Created = { id: number; token: string; scopes: string[]; expires_at: string | null; active: boolean };

describe("POST /api/v4/users/:user_id/personal_access_tokens", () => {
  it("returns the token once and stores only its SHA-256", async () => {
    const user = await make.user();
    const res = await fetch(
      `/api/v4/users/${user.id}/personal_access_tokens`,
      json({ name: "ci", scopes: ["read_api"], expires_at: "2099-01-31" }, admin),
    );
    expect(res.status).toBe(201);
    const created = await body<Created>(res);
    expect(created).toMatchObject({
      name: "ci",
      user_id: user.id,
      scopes: ["read_api"],
      expires_at: "2099-01-31",
      active: true,
      revoked: false,
    });
    expect(created.token).toMatch(/^glpat-[A-Za-z0-9_-]{20,}$/);
    const [row] = await db.select().from(personalAccessTokens).where(eq(personalAccessTokens.id, created.id));
    expect(row?.token_digest).toBe(sha256Hex(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token);
  });

  it("gives an admin user's token the admin routes", async () => {
    const root = await make.user({ admin: true });
    const res = await fetch(
      `/api/v4/users/${root.id}/personal_access_tokens`,
      json({ name: "t", scopes: "api" }, admin),
    );
    const { token } = await body<Created>(res);
    const created = await fetch(
      "/api/v4/users",
      json({ username: unique("made-by-admin") }, { "PRIVATE-TOKEN": token }),
    );
    expect(created.status).toBe(201);
  });

  it("is 403 for a token of a user who is not an admin", async () => {
    const user = await make.user();
    const token = await make.pat(user);
    const res = await fetch(
      `/api/v4/users/${user.id}/personal_access_tokens`,
      json({ name: "t", scopes: ["api"] }, { "PRIVATE-TOKEN": token }),
    );
    expect(res.status).toBe(403);
    expect(await body(res)).toEqual({ message: "403 Forbidden" });
  });

  it("rejects unknown scopes and a malformed expiry", async () => {
    const user = await make.user();
    const scopes = await fetch(
      `/api/v4/users/${user.id}/personal_access_tokens`,
      json({ name: "t", scopes: ["root"] }, admin),
    );
    expect(scopes.status).toBe(400);
    expect(await body(scopes)).toEqual({ error: "scopes does not have a valid value" });
    const date = await fetch(
      `/api/v4/users/${user.id}/personal_access_tokens`,
      json({ name: "t", scopes: ["api"], expires_at: "next year" }, admin),
    );
    expect(await body(date)).toEqual({ error: "expires_at is invalid" });
  });

  it("is 404 for a user that does not exist", async () => {
    const res = await fetch(
      "/api/v4/users/2147483000/personal_access_tokens",
      json({ name: "t", scopes: ["api"] }, admin),
    );
    expect(res.status).toBe(404);
    expect(await body(res)).toEqual({ message: "404 User Not Found" });
  });
});

describe("access tokens on the API", () => {
  const createUser = (token: string) =>
    fetch("/api/v4/users", json({ username: unique("u") }, { "PRIVATE-TOKEN": token }));

  it("refuses an expired token with rack-oauth2's 401 body and header", async () => {
    const root = await make.user({ admin: true });
    const res = await createUser(await make.pat(root, { expiresAt: "2020-01-01" }));
    expect(res.status).toBe(401);
    expect(await body(res)).toEqual({
      error: "invalid_token",
      error_description: "Token is expired. You can either do re-authorization or token refresh.",
    });
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("refuses a revoked token", async () => {
    const root = await make.user({ admin: true });
    const res = await createUser(await make.pat(root, { revoked: true }));
    expect(res.status).toBe(401);
    expect(await body(res)).toEqual({
      error: "invalid_token",
      error_description: "Token was revoked. You have to re-authorize from the user.",
    });
  });

  it("refuses a read_api token on a write route with insufficient_scope", async () => {
    const root = await make.user({ admin: true });
    const res = await createUser(await make.pat(root, { scopes: ["read_api"] }));
    expect(res.status).toBe(403);
    expect(await body(res)).toEqual({
      error: "insufficient_scope",
      error_description: "The request requires higher privileges than provided by the access token.",
      scope: "api",
    });
  });

  it("refuses the token of a blocked user", async () => {
    const root = await make.user({ admin: true, state: "blocked" });
    const res = await createUser(await make.pat(root));
    expect(res.status).toBe(403);
  });
});
