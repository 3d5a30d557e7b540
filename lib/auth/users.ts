import { eq } from "drizzle-orm";
import type { User } from "../../schema";
import { personalAccessTokens, users } from "../../schema";
import { notFound, recordNotFound } from "../errors";
import type { Database } from "../platform/db";
import { INT32_MAX } from "./rules";

/** An id a row can have: past INT32_MAX it names nothing (and must not reach the driver). */
const rowId = (id: number): boolean => Number.isSafeInteger(id) && id >= 1 && id <= INT32_MAX;

/** `User.find_by(id:)` then `not_found!('User')`, as lib/api/users.rb does. */
export async function findUser(db: Database, id: number): Promise<User> {
  const [user] = rowId(id) ? await db.select().from(users).where(eq(users.id, id)).limit(1) : [];
  if (!user) throw notFound("User");
  return user;
}

/** Blocks or unblocks a user: every credential of theirs fails from the next request on. */
export async function setUserState(db: Database, user: User, state: User["state"]): Promise<void> {
  await db.update(users).set({ state }).where(eq(users.id, user.id));
}

/** `PersonalAccessToken.find(id)`: anything that names no token is ActiveRecord's 404 Not found. */
export async function findPersonalAccessToken(db: Database, id: string) {
  const number = /^\d+$/.test(id) ? Number(id) : 0;
  const [token] = rowId(number)
    ? await db
        .select({ id: personalAccessTokens.id, user_id: personalAccessTokens.user_id })
        .from(personalAccessTokens)
        .where(eq(personalAccessTokens.id, number))
        .limit(1)
    : [];
  if (!token) throw recordNotFound();
  return token;
}

/** PersonalAccessToken#revoke!: the token answers 401 "Token was revoked" from then on. */
export async function revokePersonalAccessToken(db: Database, id: number): Promise<void> {
  await db.update(personalAccessTokens).set({ revoked: true }).where(eq(personalAccessTokens.id, id));
}
