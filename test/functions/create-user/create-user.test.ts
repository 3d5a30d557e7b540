import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../../../schema";
import { ADMIN_TOKEN, type CreatedUserEntity, harness, unique } from "../../helpers/harness";

const h = harness();
const createUser = (params: object, headers = h.admin) => h.fetch(h.url.users(), h.send("POST", params, headers));

describe("POST /api/v4/users", () => {
  it("creates a user when the ADMIN_TOKEN asks", async () => {
    const username = unique("alice");
    const res = await createUser({ username, name: "Alice", admin: false });
    expect(res.status).toBe(201);
    const created = await h.json<CreatedUserEntity>(res);
    expect(created).toEqual({ id: expect.any(Number), username, name: "Alice", state: "active", admin: false });
    const [row] = await h.db.select().from(users).where(eq(users.id, created.id));
    expect(row?.username).toBe(username);
  });

  it("accepts the admin secret as a Bearer token too", async () => {
    const res = await createUser({ username: unique("bob") }, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(res.status).toBe(201);
  });

  it("answers a taken username, in any case, with 409", async () => {
    const username = unique("carol");
    expect((await createUser({ username })).status).toBe(201);
    const res = await createUser({ username: username.toUpperCase() });
    expect(res.status).toBe(409);
    expect(await h.json(res)).toEqual({ message: "Username has already been taken" });
  });

  it("rejects a missing username the way Grape does", async () => {
    const res = await createUser({ name: "x" });
    expect(res.status).toBe(400);
    expect(await h.json(res)).toEqual({ error: "username is missing" });
  });

  it("is 401 for anonymous callers and for an unknown token", async () => {
    const anonymous = await createUser({ username: unique("eve") }, {});
    expect(anonymous.status).toBe(401);
    expect(await h.json(anonymous)).toEqual({ message: "401 Unauthorized" });
    const wrong = await createUser({ username: unique("eve") }, h.as("glpat-nope"));
    expect(wrong.status).toBe(401);
  });
});
