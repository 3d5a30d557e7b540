import { eq } from "drizzle-orm";
import { users } from "../../schema";
import { isAdmin, type Principal } from "../auth/principal";
import { notFound } from "../errors";
import type { Database } from "../platform/db";

/**
 * The user a new pipeline or job runs as. A non-admin caller's pipeline or job runs as the caller
 * (GitLab's triggerer; a retry runs as the retrying user, app/services/ci/retry_build_service.rb),
 * never as another: else a Developer could add a job to someone else's pipeline and get a job
 * token acting as them. Only an admin names another user; an admin who names none gets `runsAs`
 * (a job runs as its pipeline's user), else its own user.
 */
export async function actingUserId(
  db: Database,
  principal: Principal,
  requested: number | undefined,
  runsAs: number | null = null,
): Promise<number | null> {
  const own = principal.kind === "user" ? principal.user.id : null;
  if (!isAdmin(principal)) return own;
  if (requested === undefined) return runsAs ?? own;
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, requested)).limit(1);
  if (!user) throw notFound("User");
  return user.id;
}
