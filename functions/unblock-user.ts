import { adminCaller, requireAccessToken } from "../lib/auth/callers";
import { findUser, setUserState } from "../lib/auth/users";
import { forbidden } from "../lib/errors";
import { integerParam } from "../lib/http/params";
import type { App } from "./app";

/**
 * POST /api/v4/users/:id/unblock: admins make a blocked user active again. As lib/api/users.rb:
 * 201 with `user.activate`'s result (`false` for a user who was not blocked); a deactivated user
 * stays so.
 */
export function register(app: App) {
  app.post("/api/v4/users/:id/unblock", async (c) => {
    requireAccessToken(c);
    const { db } = c.var.services;
    const id = integerParam(c.req.param("id"), "id");
    await adminCaller(c);

    const user = await findUser(db, id);
    if (user.state === "deactivated") throw forbidden("Deactivated users cannot be unblocked by the API");
    if (user.state !== "blocked") return c.json(false, 201);
    await setUserState(db, user, "active");
    return c.json(true, 201);
  });
}
