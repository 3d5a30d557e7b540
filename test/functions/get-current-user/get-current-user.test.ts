import { describe, expect, it } from "vitest";
import { harness, PUBLIC_URL } from "../../helpers/harness";

const h = harness();
const { make, url } = h;

describe("GET /api/v4/user", () => {
  it("answers the token's user, as UserPublic, for a read_user token", async () => {
    const user = await make.user();
    const res = await h.fetch(url.currentUser(), { headers: h.as(await make.pat(user, { scopes: ["read_user"] })) });
    expect(res.status).toBe(200);
    const body = await h.json(res);
    expect(body).toMatchObject({ id: user.id, username: user.username, state: "active", two_factor_enabled: false });
    expect(body.web_url).toBe(`${PUBLIC_URL}/${user.username}`);
    expect(body).not.toHaveProperty("is_admin");
  });

  it("shows is_admin for an admin, as UserWithAdmin", async () => {
    const admin = await make.user({ admin: true });
    const body = await h.json(await h.fetch(url.currentUser(), { headers: h.as(await make.pat(admin)) }));
    expect(body).toMatchObject({ id: admin.id, is_admin: true });
  });

  it("is 401 without a token, and for a job token alone (not taken on this route)", async () => {
    const anonymous = await h.fetch(url.currentUser());
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toBe('{"message":"401 Unauthorized"}');
    const { token } = await make.job(await make.pipeline(await make.project()));
    expect((await h.fetch(url.currentUser(), { headers: { "JOB-TOKEN": token } })).status).toBe(401);
  });

  it("refuses unknown, revoked and wrongly scoped tokens as GitLab does", async () => {
    const user = await make.user();
    expect((await h.fetch(url.currentUser(), { headers: h.as("glpat-unknown") })).status).toBe(401);
    const revoked = await h.fetch(url.currentUser(), { headers: h.as(await make.pat(user, { revoked: true })) });
    expect(revoked.status).toBe(401);
    expect((await h.json(revoked)).error).toBe("invalid_token");
    const registry = await h.fetch(url.currentUser(), {
      headers: h.as(await make.pat(user, { scopes: ["read_registry"] })),
    });
    expect(registry.status).toBe(403);
    expect((await h.json(registry)).scope).toBe("api read_api read_user");
  });

  it("is 404 User Not Found for the ADMIN_TOKEN, which is no user", async () => {
    const res = await h.fetch(url.currentUser(), { headers: h.admin });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('{"message":"404 User Not Found"}');
  });
});
