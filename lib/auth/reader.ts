import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Project, User } from "../../schema";
import { ACCESS_LEVELS, jobs, jobTokenScopeLinks, projects, users } from "../../schema";
import { forbidden, notFound, unauthorized } from "../errors";
import type { AppContext } from "../http/app-env";
import type { Database } from "../platform/db";
import { presentedCredentials } from "./credentials";
import { authenticate, type Principal } from "./principal";
import { canReadProject, findProject } from "./project-access";
import { EXECUTING, jobTokenInScope, jobTokenLiveSql, userStateFailure } from "./rules";
import { sha256Hex } from "./tokens";

/**
 * Who asks on a read route of the API around artifacts (users, projects, jobs, pipelines): the
 * management routes' principal, or, where the route lets job tokens in (GitLab's
 * `route_setting :authentication, job_token_allowed: true`), the user of a running job.
 */
export type Reader =
  | Principal
  | { readonly kind: "job"; readonly user: User; readonly jobProjectId: number; readonly jobProjectPath: string };

/** A running job's token: the job's project and user (null: no such job, or it runs as nobody). */
async function findJobToken(db: Database, token: string) {
  const [row] = await db
    .select({ projectId: jobs.project_id, projectPath: projects.path, user: users })
    .from(jobs)
    .innerJoin(projects, eq(projects.id, jobs.project_id))
    .leftJoin(users, eq(users.id, jobs.user_id))
    .where(
      and(
        eq(jobs.token_digest, sha256Hex(token)),
        inArray(jobs.status, [...EXECUTING]),
        isNull(jobs.erased_at),
        jobTokenLiveSql(sql`coalesce(${jobs.started_at}, ${jobs.created_at})`),
      ),
    )
    .limit(1);
  return row;
}

function jobReader(found: NonNullable<Awaited<ReturnType<typeof findJobToken>>>): Reader {
  // AuthFinders#find_user_from_job_token: a job that runs as nobody brings no current user.
  if (!found.user) return { kind: "anonymous" };
  const inactive = userStateFailure(found.user.state);
  if (inactive) throw inactive;
  return { kind: "job", user: found.user, jobProjectId: found.projectId, jobProjectPath: found.projectPath };
}

/**
 * The caller, in GitLab's order (api_guard.rb#find_user_from_sources): where job tokens are
 * allowed, a Bearer value that is a running job's token; then the access token (401 when
 * unknown, the PAT rules of lib/auth/rules.ts); then, where allowed, the job token (401 unless
 * its job runs); else anonymous. Elsewhere a job token is not looked at: the caller is anonymous.
 */
export async function apiReader(
  c: AppContext,
  options: { jobToken: boolean; extraScopes?: readonly string[] },
): Promise<Reader> {
  const { db, config } = c.var.services;
  const credentials = presentedCredentials(c);
  if (options.jobToken && credentials.bearer) {
    const found = await findJobToken(db, credentials.bearer);
    if (found) return jobReader(found);
  }
  if (credentials.access || !options.jobToken || !credentials.job) {
    return authenticate(db, credentials, {
      adminToken: config.ADMIN_TOKEN,
      method: c.req.method,
      extraScopes: options.extraScopes,
    });
  }
  const found = await findJobToken(db, credentials.job);
  if (!found) throw unauthorized();
  return jobReader(found);
}

/** `authenticate!`: anyone but an anonymous caller. */
export function requireReader(reader: Reader): void {
  if (reader.kind === "anonymous") throw unauthorized();
}

export interface ReadableProject {
  readonly project: Project;
  /** The caller's role; a job token outside the project's allowlist keeps public-level access (0). */
  readonly accessLevel: number;
}

/**
 * find_project! for a reader: 404 Project Not Found for a project the caller may not see, and
 * for a job token GitLab's 403 naming both projects. A job token never acts as an admin, and
 * outside the inbound allowlist (Ci::JobToken::Scope) its user's membership does not count.
 */
export async function readableProject(c: AppContext, reader: Reader): Promise<ReadableProject> {
  const { db } = c.var.services;
  const id = c.req.param("id") ?? "";
  if (reader.kind !== "job") {
    const found = await findProject(db, id, reader);
    if (!found || !canReadProject(found, reader)) throw notFound("Project");
    return found;
  }
  const asUser: Principal = { kind: "user", user: { ...reader.user, admin: false } };
  const found = await findProject(db, id, asUser);
  if (!found) throw notFound("Project");
  const sameProject = found.project.id === reader.jobProjectId;
  const linked =
    !sameProject &&
    found.project.ci_inbound_job_token_scope_enabled &&
    (await isAllowlisted(db, found.project.id, reader.jobProjectId));
  const inScope = jobTokenInScope({
    sameProject,
    inboundEnabled: found.project.ci_inbound_job_token_scope_enabled,
    linked,
  });
  const scoped = { ...found, accessLevel: inScope ? found.accessLevel : 0 };
  if (!canReadProject(scoped, asUser)) {
    throw forbidden(
      `Authentication by CI/CD job token not allowed from ${reader.jobProjectPath} to ${found.project.path}.`,
    );
  }
  return scoped;
}

async function isAllowlisted(db: Database, projectId: number, jobProjectId: number): Promise<boolean> {
  const [link] = await db
    .select({ one: sql`1` })
    .from(jobTokenScopeLinks)
    .where(
      and(eq(jobTokenScopeLinks.source_project_id, projectId), eq(jobTokenScopeLinks.target_project_id, jobProjectId)),
    )
    .limit(1);
  return link !== undefined;
}

/**
 * ProjectPolicy's read_build (and read_pipeline, which the same roles hold here): the project's
 * CI/CD feature on, and Reporter or above (admins count as owners), or "public pipelines"
 * (public_builds) for anyone who may read the project.
 */
export function canReadBuilds({ project, accessLevel }: ReadableProject): boolean {
  return project.builds_enabled && (accessLevel >= ACCESS_LEVELS.reporter || project.public_builds);
}
