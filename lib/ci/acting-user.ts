import { eq } from "drizzle-orm";
import { users } from "../../schema";
import { isAdmin, type Principal } from "../auth/principal";
import { notFound } from "../errors";
import type { Database } from "../platform/db";

/**
 * The user a new pipeline or job runs as: `runsAs` if set (a job runs as its pipeline's user,
 * as in GitLab), else the caller's own user; unless an admin names another.
 */
export async function actingUserId(
  db: Database,
  principal: Principal,
  requested: number | undefined,
  runsAs: number | null = null,
): Promise<number | null> {
  if (requested === undefined || !isAdmin(principal)) {
    return runsAs ?? (principal.kind === "user" ? principal.user.id : null);
  }
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, requested)).limit(1);
  if (!user) throw notFound("User");
  return user.id;
}
