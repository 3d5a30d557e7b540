import { and, eq, sql } from "drizzle-orm";
import type { User } from "../../schema";
import { jobs, personalAccessTokens, pipelines, projects, users } from "../../schema";
import { type ApiError, forbidden, insufficientScope, tokenExpired, tokenRevoked, unauthorized } from "../errors";
import type { Database } from "../platform/db";
import { type CredentialSource, credentialsOf } from "./credentials";
import { constantTimeEqual, sha256Hex } from "./tokens";

/** Job statuses in which a CI_JOB_TOKEN is accepted (GitLab's EXECUTING_STATUSES). */
export const EXECUTING = ["running", "canceling"] as const;

export interface TokenJob {
  readonly id: number;
  readonly projectId: number;
  readonly pipelineId: number;
  readonly status: string;
  readonly projectPath: string;
  readonly projectFullPath: string;
}

export type Principal =
  | { readonly kind: "anonymous" }
  | { readonly kind: "admin-token" }
  | { readonly kind: "user"; readonly user: User; readonly scopes: readonly string[] }
  | { readonly kind: "job"; readonly user: User | null; readonly job: TokenJob };

async function findPat(db: Database, token: string) {
  const [row] = await db
    .select({
      user: users,
      scopes: personalAccessTokens.scopes,
      revoked: personalAccessTokens.revoked,
      // GitLab's tokens expire at the start of their expiry date, in UTC.
      expired: sql<boolean>`coalesce(${personalAccessTokens.expires_at} <= (now() at time zone 'utc')::date, false)`,
    })
    .from(personalAccessTokens)
    .innerJoin(users, eq(users.id, personalAccessTokens.user_id))
    .where(eq(personalAccessTokens.token_digest, sha256Hex(token)))
    .limit(1);
  return row;
}

async function findRunningJob(db: Database, token: string): Promise<{ user: User | null; job: TokenJob } | null> {
  const [row] = await db
    .select({
      user: users,
      job: {
        id: jobs.id,
        projectId: jobs.project_id,
        pipelineId: jobs.pipeline_id,
        status: jobs.status,
        projectPath: projects.path,
        projectFullPath: projects.full_path,
      },
    })
    .from(jobs)
    .innerJoin(projects, eq(projects.id, jobs.project_id))
    .innerJoin(pipelines, eq(pipelines.id, jobs.pipeline_id))
    .leftJoin(users, eq(users.id, jobs.user_id))
    .where(
      and(
        eq(jobs.token_digest, sha256Hex(token)),
        sql`${jobs.status} in ('running', 'canceling')`,
        sql`${jobs.erased_at} is null`,
      ),
    )
    .limit(1);
  return row ?? null;
}

function userPrincipal(found: Awaited<ReturnType<typeof findPat>>): Principal | ApiError {
  if (!found) return unauthorized();
  if (found.revoked) return tokenRevoked();
  if (found.expired) return tokenExpired();
  if (found.user.state !== "active") return forbidden(`Your account has been ${found.user.state}.`);
  return { kind: "user", user: found.user, scopes: found.scopes };
}

/**
 * Who is asking, in GitLab's order (lib/api/api_guard.rb, lib/gitlab/auth/auth_finders.rb):
 * a Bearer value that is a running job's token; else an access token (PRIVATE-TOKEN,
 * private_token, Bearer); else, where the route takes them, a job token (JOB-TOKEN, job_token,
 * token). The first credential present decides: an unknown, expired or revoked one is 401 even
 * beside a valid one. The ADMIN_TOKEN secret counts as an access token.
 */
export async function authenticate(
  db: Database,
  source: CredentialSource,
  options: { adminToken: string; jobTokens: boolean },
): Promise<Principal> {
  const { bearer, access, job: jobToken } = credentialsOf(source);
  if (options.jobTokens && bearer) {
    const job = await findRunningJob(db, bearer);
    if (job) return { kind: "job", ...job };
  }
  if (access) {
    if (constantTimeEqual(access, options.adminToken)) return { kind: "admin-token" };
    const principal = userPrincipal(await findPat(db, access));
    if (principal instanceof Error) throw principal;
    return principal;
  }
  if (options.jobTokens) {
    if (jobToken) {
      const job = await findRunningJob(db, jobToken);
      if (!job) throw unauthorized();
      return { kind: "job", ...job };
    }
  }
  return { kind: "anonymous" };
}

/** GitLab's token scopes: the whole API takes `api`; `read_api` only reads. */
export function requireScope(principal: Principal, method: string): void {
  if (principal.kind !== "user") return;
  const allowed = method === "GET" || method === "HEAD" ? ["api", "read_api"] : ["api"];
  if (!principal.scopes.some((scope) => allowed.includes(scope))) throw insufficientScope(allowed);
}

export function isAdmin(principal: Principal): boolean {
  return principal.kind === "admin-token" || (principal.kind === "user" && principal.user.admin);
}

/** For admin-only routes: anonymous is 401, anyone else who is not an admin is 403. */
export function requireAdmin(principal: Principal, method: string): void {
  if (principal.kind === "anonymous") throw unauthorized();
  requireScope(principal, method);
  if (!isAdmin(principal)) throw forbidden();
}
