import { type AnyColumn, type SQL, sql } from "drizzle-orm";
import type { PersonalAccessToken, User } from "../../schema";
import { ACCESS_LEVELS } from "../../schema";
import type { Status } from "../../schema/pipelines";
import { type ApiError, forbidden, insufficientScope, tokenExpired, tokenRevoked } from "../errors";

/**
 * GitLab's authentication rules, written once for both the download statement's principal and the
 * management routes' principal.
 */

/** The largest PostgreSQL integer: an id past it names nothing (and must not reach the driver). */
export const INT32_MAX = 2 ** 31 - 1;

/** Job statuses in which a CI_JOB_TOKEN is accepted (Ci::HasStatus::EXECUTING_STATUSES). */
export const EXECUTING: readonly Status[] = ["running", "canceling"];

export const isExecuting = (status: Status): boolean => EXECUTING.includes(status);

/** Project#build_timeout's default (3600 s); no job here sets another. */
export const JOB_TIMEOUT_SECONDS = 60 * 60;
/** Ci::JobToken::Jwt::LEEWAY: a timed-out job may still report its final state for 5 minutes. */
export const JOB_TOKEN_LEEWAY_SECONDS = 5 * 60;
export const JOB_TOKEN_LIFETIME_SECONDS = JOB_TIMEOUT_SECONDS + JOB_TOKEN_LEEWAY_SECONDS;

/**
 * Whether a job started at `started` still authenticates: lib/ci/job_token/jwt.rb expires a job
 * token at its timeout plus the leeway, so no token of a job left running lives forever.
 */
export const jobTokenLiveSql = (started: SQL): SQL<boolean> =>
  sql<boolean>`${started} > now() - make_interval(secs => ${JOB_TOKEN_LIFETIME_SECONDS})`;

/** jobTokenLiveSql for a job already read, against the app's clock. */
export const jobTokenLiveOn = (started: Date, now: Date): boolean =>
  now.getTime() - started.getTime() < JOB_TOKEN_LIFETIME_SECONDS * 1000;

/** Admins act as owners of every project. */
export const ADMIN_ACCESS = ACCESS_LEVELS.owner;

/**
 * lib/api/api.rb: the whole API takes `api`; `read_api` only reads (GET and HEAD). A route may
 * take more (`extra`), as lib/api/users.rb and metadata.rb take `read_user` on GET.
 */
export function scopesFor(method: string, extra: readonly string[] = []): readonly string[] {
  return [...(method === "GET" || method === "HEAD" ? ["api", "read_api"] : ["api"]), ...extra];
}

/**
 * api_guard.rb#find_current_user!: a user who may not use the API (UserAccessDeniedReason) is
 * refused with the reason, whichever credential brought them, job tokens included.
 */
export function userStateFailure(state: User["state"]): ApiError | null {
  return state === "active" ? null : forbidden(`Your account has been ${state}.`);
}

/** What the token lookup found for a presented personal access token. */
export interface FoundPat {
  readonly revoked: boolean;
  readonly expired: boolean;
  readonly scopes: PersonalAccessToken["scopes"];
  readonly userState: User["state"];
}

/**
 * Why a known personal access token does not open this request, in GitLab's order
 * (AccessTokenValidationService, then api_guard's user check, then the route's scopes):
 * revoked, expired, user state, scope. null when it does.
 */
export function patFailure(pat: FoundPat, method: string, extraScopes: readonly string[] = []): ApiError | null {
  if (pat.revoked) return tokenRevoked();
  if (pat.expired) return tokenExpired();
  const inactive = userStateFailure(pat.userState);
  if (inactive) return inactive;
  const allowed = scopesFor(method, extraScopes);
  return pat.scopes.some((scope) => allowed.includes(scope)) ? null : insufficientScope(allowed);
}

/** PersonalAccessToken#expired?: tokens expire at the start of their expiry date, in UTC. */
export const patExpiredSql = (expiresAt: AnyColumn | SQL): SQL<boolean> =>
  sql<boolean>`coalesce(${expiresAt} <= (now() at time zone 'utc')::date, false)`;

/** patExpiredSql for a token already read, against the app's clock. */
export const patExpiredOn = (expiresAt: string | null, now: Date): boolean =>
  expiresAt !== null && expiresAt <= now.toISOString().slice(0, 10);

/**
 * Ci::JobToken::Scope#accessible? (inbound): a job token reaches its own project, any project
 * whose inbound scope is off, and those that allowlist its project.
 */
export function jobTokenInScope(scope: { sameProject: boolean; inboundEnabled: boolean; linked: boolean }): boolean {
  return scope.sameProject || !scope.inboundEnabled || scope.linked;
}
