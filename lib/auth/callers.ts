import type { Job } from "../../schema";
import { authenticateRunnerJob } from "../ci/jobs";
import { forbidden, unauthorized } from "../errors";
import type { AppContext } from "../http/app-env";
import { presentedCredentials, runnerJobToken } from "./credentials";
import { authenticate, isAdmin, type Principal } from "./principal";
import { type ProjectAccess, requireProjectRole } from "./project-access";
import { jobTokenLiveOn } from "./rules";

/**
 * The caller of a management route: access tokens only (job tokens are not taken here, as on
 * GitLab's keep and delete routes), checked once for the scope the method needs.
 */
export function caller(c: AppContext): Promise<Principal> {
  const { db, config } = c.var.services;
  return authenticate(db, presentedCredentials(c), { adminToken: config.ADMIN_TOKEN, method: c.req.method });
}

/**
 * lib/api/api.rb's `before { authenticate_non_get! }`, which Grape runs before it validates
 * parameters: a write that presents no access token is 401 before anything else is read.
 */
export function requireAccessToken(c: AppContext): void {
  if (!presentedCredentials(c).access) throw unauthorized();
}

/** caller() holding at least `level` in the project `:id` (404 for those who may not see it). */
export async function projectCaller(c: AppContext, level: number): Promise<ProjectAccess & { principal: Principal }> {
  const principal = await caller(c);
  const access = await requireProjectRole(c.var.services.db, c.req.param("id") ?? "", principal, level);
  return { ...access, principal };
}

/** caller() on an admin-only route (authenticated_as_admin!): anonymous is 401, other non-admins 403. */
export async function adminCaller(c: AppContext): Promise<Principal> {
  const principal = await caller(c);
  if (principal.kind === "anonymous") throw unauthorized();
  if (!isAdmin(principal)) throw forbidden();
  return principal;
}

/**
 * The runner API's job (authenticate_job!): job `jobId`, whose token the request presents
 * (JOB-TOKEN, or `token`: query, or the body's `bodyToken`), still executing. A job past its
 * timeout counts as GitLab's Ci::StuckBuilds::DropRunningService leaves it: no longer running.
 */
export async function runnerJob(c: AppContext, jobId: number, bodyToken?: string): Promise<Job> {
  const { db, now } = c.var.services;
  const job = await authenticateRunnerJob(db, jobId, runnerJobToken(c, bodyToken));
  if (!jobTokenLiveOn(job.started_at ?? job.created_at, now())) throw forbidden("Job is not processing on runner");
  return job;
}
