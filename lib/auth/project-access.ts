import { and, eq, sql } from "drizzle-orm";
import type { Project } from "../../schema";
import { projectMembers, projects } from "../../schema";
import { forbidden, notFound, unauthorized } from "../errors";
import type { Database } from "../platform/db";
import { isAdmin, type Principal } from "./principal";
import { ADMIN_ACCESS, INT32_MAX } from "./rules";

export interface ProjectAccess {
  readonly project: Project;
  /** The caller's role (ACCESS_LEVELS, guest to owner), 0 for none; admins count as owners. */
  readonly accessLevel: number;
}

/**
 * How GitLab's find_project (lib/api/helpers.rb) reads `:id`: a number is an id, anything with
 * a slash is a full path (matched case-insensitively), anything else finds nothing.
 */
export function parseProjectId(id: string): { id: number } | { path: string } | null {
  if (/^-?\d+$/.test(id)) {
    const numeric = Number(id);
    return Number.isSafeInteger(numeric) && numeric >= 1 && numeric <= INT32_MAX ? { id: numeric } : null;
  }
  return id.includes("/") ? { path: id } : null;
}

/** The project `:id` names, with the caller's role, in one query. */
export async function findProject(db: Database, id: string, principal: Principal): Promise<ProjectAccess | null> {
  const ref = parseProjectId(id);
  if (!ref) return null;
  const where = "id" in ref ? eq(projects.id, ref.id) : sql`lower(${projects.full_path}) = lower(${ref.path})`;
  const userId = principal.kind === "user" ? principal.user.id : 0;
  const [row] = await db
    .select({ project: projects, accessLevel: sql<number>`coalesce(${projectMembers.access_level}, 0)` })
    .from(projects)
    .leftJoin(projectMembers, and(eq(projectMembers.project_id, projects.id), eq(projectMembers.user_id, userId)))
    .where(where)
    .limit(1);
  if (!row) return null;
  return { project: row.project, accessLevel: isAdmin(principal) ? ADMIN_ACCESS : Number(row.accessLevel) };
}

/**
 * For the management routes: the project, if the caller holds at least `level` there. Those
 * who may not see a private project get 404 for it, never 403 (GitLab's find_project!).
 */
export async function requireProjectRole(
  db: Database,
  id: string,
  principal: Principal,
  level: number,
): Promise<ProjectAccess> {
  if (principal.kind === "anonymous") throw unauthorized();
  const found = await findProject(db, id, principal);
  if (!found) throw notFound("Project");
  if (!canReadProject(found, principal)) throw notFound("Project");
  if (found.accessLevel < level) throw forbidden();
  return found;
}

/** ProjectPolicy's read_project on a project found by findProject: visibility, else any role. */
export function canReadProject(found: ProjectAccess, principal: Principal): boolean {
  const { visibility } = found.project;
  return (
    visibility === "public" || (visibility === "internal" && principal.kind !== "anonymous") || found.accessLevel > 0
  );
}

export function projectWebUrl(baseUrl: string, project: Pick<Project, "full_path">): string {
  return `${baseUrl}/${project.full_path}`;
}
