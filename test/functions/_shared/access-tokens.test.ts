import { describe, expect, it } from "vitest";
import { harness, unique } from "../../helpers/harness";

const h = harness();
const { make } = h;

// Any management route answers a bad personal access token the same way; creating a user is the probe.
const createUser = (token: string) => h.fetch(h.url.users(), h.send("POST", { username: unique("u") }, h.as(token)));

describe("access tokens on the management API", () => {
  it("refuses an expired token with rack-oauth2's 401 body and header", async () => {
    const root = await make.user({ admin: true });
    const res = await createUser(await make.pat(root, { expiresAt: "2020-01-01" }));
    expect(res.status).toBe(401);
    expect(await h.json(res)).toEqual({
      error: "invalid_token",
      error_description: "Token is expired. You can either do re-authorization or token refresh.",
    });
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("refuses a revoked token", async () => {
    const root = await make.user({ admin: true });
    const res = await createUser(await make.pat(root, { revoked: true }));
    expect(res.status).toBe(401);
    expect(await h.json(res)).toEqual({
      error: "invalid_token",
      error_description: "Token was revoked. You have to re-authorize from the user.",
    });
  });

  it("refuses a read_api token on a write route with insufficient_scope", async () => {
    const root = await make.user({ admin: true });
    const res = await createUser(await make.pat(root, { scopes: ["read_api"] }));
    expect(res.status).toBe(403);
    expect(await h.json(res)).toEqual({
      error: "insufficient_scope",
      error_description: "The request requires higher privileges than provided by the access token.",
      scope: "api",
    });
  });

  it("refuses the token of a blocked user", async () => {
    const root = await make.user({ admin: true, state: "blocked" });
    const res = await createUser(await make.pat(root));
    expect(res.status).toBe(403);
    expect(await h.json(res)).toEqual({ message: "403 Forbidden - Your account has been blocked." });
  });
});
