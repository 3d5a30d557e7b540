import { eq } from "drizzle-orm";
import type { User } from "../../schema";
import { personalAccessTokens, users } from "../../schema";
import { unauthorized } from "../errors";
import type { Database } from "../platform/db";
import type { Credentials } from "./credentials";
import { patExpiredSql, patFailure } from "./rules";
import { constantTimeEqual, sha256Hex } from "./tokens";

/**
 * Who is asking on a management route. Downloads resolve the same party from their one
 * statement (lib/downloads/principal.ts), with the same rules (./rules.ts).
 */
export type Principal =
  | { readonly kind: "anonymous" }
  | { readonly kind: "admin-token" }
  | { readonly kind: "user"; readonly user: User };

async function findPat(db: Database, token: string) {
  const [row] = await db
    .select({
      user: users,
      scopes: personalAccessTokens.scopes,
      revoked: personalAccessTokens.revoked,
      expired: patExpiredSql(personalAccessTokens.expires_at),
    })
    .from(personalAccessTokens)
    .innerJoin(users, eq(users.id, personalAccessTokens.user_id))
    .where(eq(personalAccessTokens.token_digest, sha256Hex(token)))
    .limit(1);
  return row;
}

/**
 * The access token a request presents (PRIVATE-TOKEN, private_token, Bearer), checked for the
 * scope `method` needs, as lib/api/api_guard.rb does. Job tokens are not taken here, as on
 * GitLab's keep and delete routes: a request with only a job token is anonymous. An unknown
 * token is 401 even beside a valid one. The ADMIN_TOKEN secret counts as an access token.
 */
export async function authenticate(
  db: Database,
  credentials: Credentials,
  options: { adminToken: string; method: string; extraScopes?: readonly string[] },
): Promise<Principal> {
  const { access } = credentials;
  if (!access) return { kind: "anonymous" };
  if (constantTimeEqual(access, options.adminToken)) return { kind: "admin-token" };
  const found = await findPat(db, access);
  if (!found) throw unauthorized();
  const failure = patFailure({ ...found, userState: found.user.state }, options.method, options.extraScopes);
  if (failure) throw failure;
  return { kind: "user", user: found.user };
}

export function isAdmin(principal: Principal): boolean {
  return principal.kind === "admin-token" || (principal.kind === "user" && principal.user.admin);
}
