import { type SQL, sql } from "drizzle-orm";
import { DANGLING_SOURCES } from "../../schema/pipelines";
import type { Credentials } from "../auth/credentials";
import { EXECUTING } from "../auth/principal";
import { parseProjectId } from "../auth/project-access";
import { constantTimeEqual, sha256Hex } from "../auth/tokens";
import {
  forbidden,
  insufficientScope,
  notFound,
  recordNotFound,
  tokenExpired,
  tokenRevoked,
  unauthorized,
} from "../errors";
import type { Database } from "../platform/db";
import type { ZipEntry } from "../zip/central-directory";

/**
 * The read side's one SQL statement: who is asking (access token or job token), the project
 * with the caller's roles, the job-token allowlist, the job (by id, or GitLab's "latest
 * successful" walk for a ref), its archive row and, for single files, the entry from the
 * archive's index: all in a single round trip.
 */

/** Artifact types that make a job a candidate for the ref routes (Ci::JobArtifact downloadable types). */
const DOWNLOADABLE_TYPES = [
  "archive",
  "junit",
  "cobertura",
  "jacoco",
  "codequality",
  "sast",
  "dependency_scanning",
  "container_scanning",
  "dast",
  "secret_detection",
  "license_scanning",
  "lsif",
  "metrics",
  "dotenv",
  "accessibility",
  "api_fuzzing",
  "performance",
  "browser_performance",
  "load_performance",
  "requirements",
  "requirements_v2",
  "cluster_image_scanning",
  "cyclonedx",
];

const MAX_INT = 2 ** 31 - 1;

export type DownloadTarget = { readonly jobId: number } | { readonly ref: string; readonly jobName: string };

export interface DownloadRow {
  pat_user_id: number | null;
  pat_revoked: boolean | null;
  pat_expired: boolean | null;
  pat_scopes: string[] | null;
  pat_user_state: string | null;
  pat_user_admin: boolean | null;
  pat_access: number | null;
  cred_job_id: number | null;
  job_user_id: number | null;
  job_user_state: string | null;
  job_user_admin: boolean | null;
  job_project_id: number | null;
  job_project_path: string | null;
  job_access: number | null;
  job_linked: boolean | null;
  project_id: number | null;
  project_path: string | null;
  project_full_path: string | null;
  visibility: "public" | "internal" | "private" | null;
  public_builds: boolean | null;
  builds_enabled: boolean | null;
  inbound_enabled: boolean | null;
  build_id: number | null;
  build_expire_at: Date | null;
  pipeline_locked: string | null;
  archive_key: string | null;
  archive_size: number | null;
  archive_sha256: string | null;
  archive_accessibility: "public" | "private" | "none" | null;
  archive_file_name: string | null;
  entries_indexed: boolean | null;
  entry_method: number | null;
  entry_flags: number | null;
  entry_crc32: number | null;
  entry_compressed_size: number | null;
  entry_uncompressed_size: number | null;
  entry_local_header_offset: number | null;
  entry_end_offset: number | null;
  entry_extra_length: number | null;
}

function projectCondition(id: string): SQL {
  const ref = parseProjectId(id);
  if (!ref) return sql`false`;
  return "id" in ref ? sql`p.id = ${ref.id}` : sql`lower(p.full_path) = lower(${ref.path})`;
}

function buildQuery(target: DownloadTarget): SQL {
  if ("jobId" in target) {
    const jobId = target.jobId >= 1 && target.jobId <= MAX_INT ? target.jobId : 0;
    return sql`build as (
      select j.id, j.artifacts_expire_at, pl.locked
      from jobs j join pipelines pl on pl.id = j.pipeline_id join proj on j.project_id = proj.id
      where j.id = ${jobId}
    )`;
  }
  // Project#latest_successful_build_for_ref!: the newest successful pipeline of exactly this
  // ref (never a child), then that pipeline and its same-project descendants, parent first,
  // and the first non-retried job of that name with a downloadable artifact. No fallback.
  return sql`latest as (
      select pl.id from pipelines pl join proj on pl.project_id = proj.id
      where pl.ref = ${target.ref} and pl.status = 'success'
        and pl.source not in (${sql.join(
          DANGLING_SOURCES.map((s) => sql`${s}`),
          sql`, `,
        )})
      order by pl.id desc limit 1
    ),
    family(id) as (
      select id from latest
      union all
      select c.id from pipelines c join family f on c.parent_pipeline_id = f.id join proj on c.project_id = proj.id
    ),
    build as (
      select j.id, j.artifacts_expire_at, pl.locked
      from jobs j join pipelines pl on pl.id = j.pipeline_id
      where j.pipeline_id in (select id from family) and j.name = ${target.jobName} and not j.retried
        and exists (select 1 from job_artifacts da where da.job_id = j.id and da.file_type in (${sql.join(
          DOWNLOADABLE_TYPES.map((t) => sql`${t}`),
          sql`, `,
        )}))
      order by j.pipeline_id asc, j.id desc limit 1
    )`;
}

export async function lookupDownload(
  db: Database,
  options: {
    credentials: Credentials;
    adminToken: string;
    projectId: string;
    target: DownloadTarget;
    /** For single files: the entry, from the archive's index when it has one. */
    entryPath?: string;
  },
): Promise<DownloadRow> {
  const { credentials } = options;
  const accessIsAdmin = credentials.access !== undefined && constantTimeEqual(credentials.access, options.adminToken);
  const patDigest = credentials.access && !accessIsAdmin ? sha256Hex(credentials.access) : null;
  const jobToken = credentials.bearer ?? (credentials.access ? undefined : credentials.job);
  const jobDigest = jobToken ? sha256Hex(jobToken) : null;
  const projectWhere = projectCondition(options.projectId);
  const executing = sql.join(
    EXECUTING.map((s) => sql`${s}`),
    sql`, `,
  );

  const result = await db.execute<DownloadRow & Record<string, unknown>>(sql`
    with recursive
    pat as (
      select t.user_id, t.revoked, t.scopes, u.state, u.admin,
        coalesce(t.expires_at <= (now() at time zone 'utc')::date, false) as expired
      from personal_access_tokens t join users u on u.id = t.user_id
      where t.token_digest = ${patDigest}::text
    ),
    cred_job as (
      select j.id, j.project_id, j.user_id, cp.path as project_path, u.state, u.admin
      from jobs j join projects cp on cp.id = j.project_id left join users u on u.id = j.user_id
      where j.token_digest = ${jobDigest}::text and j.status in (${executing}) and j.erased_at is null
    ),
    proj as (select p.* from projects p where ${projectWhere} limit 1),
    ${buildQuery(options.target)}
    select
      pat.user_id as pat_user_id, pat.revoked as pat_revoked, pat.expired as pat_expired, pat.scopes as pat_scopes,
      pat.state as pat_user_state, pat.admin as pat_user_admin, pm_pat.access_level as pat_access,
      cred_job.id as cred_job_id, cred_job.user_id as job_user_id, cred_job.state as job_user_state,
      cred_job.admin as job_user_admin, cred_job.project_id as job_project_id, cred_job.project_path as job_project_path,
      pm_job.access_level as job_access,
      exists (select 1 from job_token_scope_links l
              where l.source_project_id = proj.id and l.target_project_id = cred_job.project_id) as job_linked,
      proj.id as project_id, proj.path as project_path, proj.full_path as project_full_path, proj.visibility,
      proj.public_builds, proj.builds_enabled, proj.ci_inbound_job_token_scope_enabled as inbound_enabled,
      build.id as build_id, build.artifacts_expire_at as build_expire_at, build.locked as pipeline_locked,
      a.storage_key as archive_key, a.size::float8 as archive_size, a.sha256 as archive_sha256,
      a.accessibility as archive_accessibility, a.file_name as archive_file_name, a.entries_indexed,
      e.method as entry_method, e.flags as entry_flags, e.crc32::float8 as entry_crc32,
      e.compressed_size::float8 as entry_compressed_size, e.uncompressed_size::float8 as entry_uncompressed_size,
      e.local_header_offset::float8 as entry_local_header_offset, e.end_offset::float8 as entry_end_offset,
      e.extra_length as entry_extra_length
    from (select 1) as one
    left join pat on true
    left join cred_job on true
    left join proj on true
    left join project_members pm_pat on pm_pat.project_id = proj.id and pm_pat.user_id = pat.user_id
    left join project_members pm_job on pm_job.project_id = proj.id and pm_job.user_id = cred_job.user_id
    left join build on true
    left join job_artifacts a on a.job_id = build.id and a.file_type = 'archive'
    left join artifact_entries e on e.artifact_id = a.id and e.path = ${options.entryPath ?? null}::text
  `);
  const row = result.rows[0];
  if (!row) throw new Error("download lookup returned no row");
  return { ...row, build_expire_at: row.build_expire_at ? new Date(row.build_expire_at) : null };
}

/** The caller as the authorization rules see it. */
export interface Viewer {
  readonly kind: "anonymous" | "admin" | "user" | "job";
  readonly admin: boolean;
  /** Role in the project (0 none); for a job token outside the allowlist, member roles do not count. */
  readonly accessLevel: number;
  readonly jobProjectPath?: string;
}

/**
 * Resolves the credentials against the row, GitLab's way: a Bearer value that is a running
 * job's token wins; else the access token decides (401 when unknown, expired or revoked);
 * else a job token (401 unless its job is running); else anonymous.
 */
export function resolveViewer(row: DownloadRow, credentials: Credentials, method: string, adminToken: string): Viewer {
  const asJob = (): Viewer => {
    const sameProject = row.job_project_id === row.project_id;
    // Ci::JobToken::Scope: outside its own project, a job token gets member roles only
    // where the inbound allowlist lets it in; public-level access stays.
    const allowed = sameProject || row.inbound_enabled === false || row.job_linked === true;
    return {
      kind: "job",
      admin: false,
      accessLevel: allowed ? (row.job_access ?? 0) : 0,
      jobProjectPath: row.job_project_path ?? undefined,
    };
  };
  if (credentials.bearer && row.cred_job_id !== null) return asJob();
  if (credentials.access) {
    if (constantTimeEqual(credentials.access, adminToken)) return { kind: "admin", admin: true, accessLevel: 50 };
    if (row.pat_user_id === null) throw unauthorized();
    if (row.pat_revoked) throw tokenRevoked();
    if (row.pat_expired) throw tokenExpired();
    if (row.pat_user_state !== "active") throw forbidden(`Your account has been ${row.pat_user_state}.`);
    const allowed = method === "GET" || method === "HEAD" ? ["api", "read_api"] : ["api"];
    if (!(row.pat_scopes ?? []).some((scope) => allowed.includes(scope))) throw insufficientScope(allowed);
    const admin = row.pat_user_admin === true;
    return { kind: "user", admin, accessLevel: admin ? 50 : (row.pat_access ?? 0) };
  }
  if (credentials.job) {
    if (row.cred_job_id === null) throw unauthorized();
    return asJob();
  }
  return { kind: "anonymous", admin: false, accessLevel: 0 };
}

const REPORTER = 20;
const DEVELOPER = 30;

/**
 * GitLab's checks in job_artifacts.rb order: find_project! (404, or 403 for a job token),
 * read_build (403), the job (404 Not found), read_job_artifacts (403).
 */
export function authorizeDownload(row: DownloadRow, viewer: Viewer): void {
  if (row.project_id === null) throw notFound("Project");
  const readable =
    viewer.admin ||
    row.visibility === "public" ||
    (row.visibility === "internal" && viewer.kind !== "anonymous") ||
    viewer.accessLevel > 0;
  if (!readable) {
    if (viewer.kind === "job") {
      throw forbidden(
        `Authentication by CI/CD job token not allowed from ${viewer.jobProjectPath} to ${row.project_path}.`,
      );
    }
    throw notFound("Project");
  }
  const readBuild =
    row.builds_enabled === true && (viewer.admin || viewer.accessLevel >= REPORTER || row.public_builds === true);
  if (!readBuild) throw forbidden();
  if (row.build_id === null) throw recordNotFound();
  // A job without an archive row counts as public (GitLab's backward compatibility).
  const accessibility = row.archive_accessibility ?? "public";
  if (accessibility === "none") throw forbidden();
  if (accessibility === "private" && !viewer.admin && viewer.accessLevel < DEVELOPER) throw forbidden();
}

/**
 * The entry as the archive's index knows it: the entry, null when an indexed archive has no
 * such name, undefined when the archive is not indexed (read its central directory instead).
 */
export function indexedEntry(row: DownloadRow, name: Uint8Array): ZipEntry | null | undefined {
  if (!row.entries_indexed) return undefined;
  if (row.entry_method === null) return null;
  return {
    name,
    method: row.entry_method,
    flags: row.entry_flags ?? 0,
    crc32: row.entry_crc32 ?? 0,
    compressedSize: row.entry_compressed_size ?? 0,
    uncompressedSize: row.entry_uncompressed_size ?? 0,
    localHeaderOffset: row.entry_local_header_offset ?? 0,
    end: row.entry_end_offset ?? 0,
    extraLength: row.entry_extra_length ?? 0,
  };
}

/** The archive to serve, or GitLab's 404 when the job has none. */
export function archiveOf(row: DownloadRow): { key: string; size: number; sha256: string; fileName: string } {
  if (row.archive_key === null || row.archive_size === null || row.archive_sha256 === null) throw notFound();
  return {
    key: row.archive_key,
    size: row.archive_size,
    sha256: row.archive_sha256,
    fileName: row.archive_file_name ?? "artifacts.zip",
  };
}
