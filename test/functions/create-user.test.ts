import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../../schema";
import { ADMIN_TOKEN, admin, body, harness, json, unique } from "../helpers/harness";

const { fetch, db } = harness();

describe("POST /api/v4/users", () => {
  it("creates a user when the ADMIN_TOKEN asks", async () => {
    const username = unique("alice");
    const res = await fetch("/api/v4/users", json({ username, name: "Alice", admin: false }, admin));
    expect(res.status).toBe(201);
    const created = await body<{ id: number }>(res);
    expect(created).toEqual({ id: expect.any(Number), username, name: "Alice", state: "active", admin: false });
    const [row] = await db.select().from(users).where(eq(users.id, created.id));
    expect(row?.username).toBe(username);
  });

  it("accepts the admin secret as a Bearer token too", async () => {
    const res = await fetch(
      "/api/v4/users",
      json({ username: unique("bob") }, { authorization: `Bearer ${ADMIN_TOKEN}` }),
    );
    expect(res.status).toBe(201);
  });

  it("answers a taken username, in any case, with 409", async () => {
    const username = unique("carol");
    expect((await fetch("/api/v4/users", json({ username }, admin))).status).toBe(201);
    const res = await fetch("/api/v4/users", json({ username: username.toUpperCase() }, admin));
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ message: "Username has already been taken" });
  });

  it("rejects a missing username the way Grape does", async () => {
    const res = await fetch("/api/v4/users", json({ name: "x" }, admin));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "username is missing" });
  });

  it("is 401 for anonymous callers and for an unknown token", async () => {
    const anonymous = await fetch("/api/v4/users", json({ username: unique("eve") }));
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ message: "401 Unauthorized" });
    const wrong = await fetch("/api/v4/users", json({ username: unique("eve") }, { "PRIVATE-TOKEN": "glpat-nope" }));
    expect(wrong.status).toBe(401);
  });
});
