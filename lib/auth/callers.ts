import type { AppContext } from "../http/app-env";
import { credentialSource } from "../http/request";
import { authenticate, type Principal, requireScope } from "./principal";
import { type ProjectAccess, requireProjectRole } from "./project-access";

/**
 * The caller of a management route: access tokens only (job tokens are not taken here, as on
 * GitLab's keep and delete routes), checked for the scope the method needs.
 */
export async function caller(c: AppContext): Promise<Principal> {
  const { db, config } = c.var.services;
  const principal = await authenticate(db, credentialSource(c), { adminToken: config.ADMIN_TOKEN, jobTokens: false });
  requireScope(principal, c.req.method);
  return principal;
}

/** caller() holding at least `level` in the project `:id` (404 for those who may not see it). */
export async function projectCaller(c: AppContext, level: number): Promise<ProjectAccess & { principal: Principal }> {
  const principal = await caller(c);
  const access = await requireProjectRole(c.var.services.db, c.req.param("id") ?? "", principal, level);
  return { ...access, principal };
}
