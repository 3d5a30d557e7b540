import { type SQL, sql } from "drizzle-orm";
import type { Job, JobArtifact, PersonalAccessToken, Pipeline, Project, User } from "../../schema";
import { DANGLING_SOURCES } from "../../schema/pipelines";
import type { Credentials } from "../auth/credentials";
import { parseProjectId } from "../auth/project-access";
import { EXECUTING, INT32_MAX, jobTokenLiveSql, patExpiredSql } from "../auth/rules";
import { constantTimeEqual, sha256Hex } from "../auth/tokens";
import type { Database } from "../platform/db";
import type { ZipEntry } from "../zip/central-directory";
import type { ArchiveFile } from "./archive";

/**
 * The read side's one SQL statement: who is asking (access token or job token), the project
 * with the caller's roles, the job-token allowlist, the job (by id, or GitLab's "latest
 * successful" walk for a ref), its archive row and, for single files, the entry from the
 * archive's index: all in a single round trip. toDownload() turns its row into a Download.
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

export type DownloadTarget = { readonly jobId: number } | { readonly ref: string; readonly jobName: string };

type Maybe<T> = T | null;

/** The statement's row, one column per alias below; every column is null when its join found nothing. */
export interface DownloadRow {
  pat_user_id: Maybe<PersonalAccessToken["user_id"]>;
  pat_revoked: Maybe<PersonalAccessToken["revoked"]>;
  pat_expired: Maybe<boolean>;
  pat_scopes: Maybe<PersonalAccessToken["scopes"]>;
  pat_user_state: Maybe<User["state"]>;
  pat_user_admin: Maybe<User["admin"]>;
  pat_access: Maybe<number>;
  cred_job_id: Maybe<Job["id"]>;
  /** null also for a job that runs as no user. */
  job_user_state: Maybe<User["state"]>;
  job_project_id: Maybe<Project["id"]>;
  job_project_path: Maybe<Project["path"]>;
  job_access: Maybe<number>;
  job_linked: Maybe<boolean>;
  project_id: Maybe<Project["id"]>;
  project_path: Maybe<Project["path"]>;
  visibility: Maybe<Project["visibility"]>;
  public_builds: Maybe<Project["public_builds"]>;
  builds_enabled: Maybe<Project["builds_enabled"]>;
  inbound_enabled: Maybe<Project["ci_inbound_job_token_scope_enabled"]>;
  build_id: Maybe<Job["id"]>;
  build_expire_at: Maybe<Date>;
  pipeline_locked: Maybe<Pipeline["locked"]>;
  archive_key: Maybe<JobArtifact["storage_key"]>;
  archive_size: Maybe<JobArtifact["size"]>;
  archive_sha256: Maybe<JobArtifact["sha256"]>;
  archive_accessibility: Maybe<JobArtifact["accessibility"]>;
  archive_file_name: Maybe<JobArtifact["file_name"]>;
  entries_indexed: Maybe<JobArtifact["entries_indexed"]>;
  entry_method: Maybe<number>;
  entry_flags: Maybe<number>;
  entry_crc32: Maybe<number>;
  entry_compressed_size: Maybe<number>;
  entry_uncompressed_size: Maybe<number>;
  entry_local_header_offset: Maybe<number>;
  entry_end_offset: Maybe<number>;
  entry_extra_length: Maybe<number>;
}

/** A personal access token the statement found, with its user and the user's role in the project. */
export interface PatFound {
  readonly revoked: boolean;
  readonly expired: boolean;
  readonly scopes: PersonalAccessToken["scopes"];
  readonly userState: User["state"];
  readonly admin: boolean;
  readonly accessLevel: number;
}

/** A job token of an executing job, with its user's role in the project and the allowlist link. */
export interface JobTokenFound {
  readonly projectId: Project["id"];
  readonly projectPath: Project["path"];
  /** null: the job runs as no user. */
  readonly userState: User["state"] | null;
  readonly accessLevel: number;
  /** The project allowlists the job's project (job_token_scope_links). */
  readonly linked: boolean;
}

export interface DownloadProject {
  readonly id: Project["id"];
  readonly path: Project["path"];
  readonly visibility: Project["visibility"];
  readonly publicBuilds: boolean;
  readonly buildsEnabled: boolean;
  readonly inboundScopeEnabled: boolean;
}

export interface DownloadJob {
  readonly id: Job["id"];
  /** Ci::Build#available_artifacts?: not expired, or kept by a locked pipeline; and an archive. */
  availableArtifacts(now: Date): boolean;
}

export interface DownloadArchive extends ArchiveFile {
  /** ci_job_artifacts.accessibility, from artifacts:access. */
  readonly accessibility: JobArtifact["accessibility"];
}

/**
 * What the archive's index says of the requested path: its entry (named by the path asked for),
 * no entry by that name, or no index to ask (read the zip's central directory instead).
 */
export type IndexedEntry =
  | { readonly kind: "found"; readonly entry: Omit<ZipEntry, "name"> }
  | { readonly kind: "missing" }
  | { readonly kind: "unindexed" };

/** What one download statement found. */
export interface Download {
  /** What the presented tokens turned out to be (null: not found, or not presented). */
  readonly tokens: { readonly pat: PatFound | null; readonly job: JobTokenFound | null };
  readonly project: DownloadProject | null;
  readonly job: DownloadJob | null;
  readonly archive: DownloadArchive | null;
  /** The requested file in the archive's index. */
  readonly entry: IndexedEntry;
}

/** `a, b, c` as bound parameters, for `in (...)`. */
const sqlList = (values: readonly string[]): SQL =>
  sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  );

function projectCondition(id: string): SQL {
  const ref = parseProjectId(id);
  if (!ref) return sql`false`;
  return "id" in ref ? sql`p.id = ${ref.id}` : sql`lower(p.full_path) = lower(${ref.path})`;
}

function buildQuery(target: DownloadTarget): SQL {
  if ("jobId" in target) {
    const jobId = target.jobId >= 1 && target.jobId <= INT32_MAX ? target.jobId : 0;
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
        and pl.source not in (${sqlList(DANGLING_SOURCES)})
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
        and exists (select 1 from job_artifacts da
                    where da.job_id = j.id and da.file_type in (${sqlList(DOWNLOADABLE_TYPES)}))
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
): Promise<Download> {
  const { credentials } = options;
  const accessIsAdmin = credentials.access !== undefined && constantTimeEqual(credentials.access, options.adminToken);
  const patDigest = credentials.access && !accessIsAdmin ? sha256Hex(credentials.access) : null;
  const jobToken = credentials.bearer ?? (credentials.access ? undefined : credentials.job);
  const jobDigest = jobToken ? sha256Hex(jobToken) : null;
  // The index's groups are keyed on their first entry's listing key and name digest
  // (schema/artifact-entries.ts): the group that holds a name is the last one that starts at or
  // before it, one index probe; `->` then takes just that entry out of it.
  const entryPath = options.entryPath ?? null;
  const entryDigest = entryPath === null ? null : sha256Hex(entryPath);

  // The driver hands bigint columns back as strings; `::float8` makes them numbers (sizes and
  // offsets stay far below 2^53). crc32 is a bigint because it is an unsigned 32-bit value.
  const result = await db.execute<DownloadRow & Record<string, unknown>>(sql`
    with recursive
    pat as (
      select t.user_id, t.revoked, t.scopes, u.state, u.admin, ${patExpiredSql(sql`t.expires_at`)} as expired
      from personal_access_tokens t join users u on u.id = t.user_id
      where t.token_digest = ${patDigest}::text
    ),
    cred_job as (
      select j.id, j.project_id, j.user_id, cp.path as project_path, u.state
      from jobs j join projects cp on cp.id = j.project_id left join users u on u.id = j.user_id
      where j.token_digest = ${jobDigest}::text and j.status in (${sqlList(EXECUTING)}) and j.erased_at is null
        and ${jobTokenLiveSql(sql`coalesce(j.started_at, j.created_at)`)}
    ),
    proj as (select p.* from projects p where ${projectCondition(options.projectId)} limit 1),
    ${buildQuery(options.target)}
    select
      pat.user_id as pat_user_id, pat.revoked as pat_revoked, pat.expired as pat_expired, pat.scopes as pat_scopes,
      pat.state as pat_user_state, pat.admin as pat_user_admin, pm_pat.access_level as pat_access,
      cred_job.id as cred_job_id, cred_job.state as job_user_state, cred_job.project_id as job_project_id,
      cred_job.project_path as job_project_path, pm_job.access_level as job_access,
      exists (select 1 from job_token_scope_links l
              where l.source_project_id = proj.id and l.target_project_id = cred_job.project_id) as job_linked,
      proj.id as project_id, proj.path as project_path, proj.visibility,
      proj.public_builds, proj.builds_enabled, proj.ci_inbound_job_token_scope_enabled as inbound_enabled,
      build.id as build_id, build.artifacts_expire_at as build_expire_at, build.locked as pipeline_locked,
      a.storage_key as archive_key, a.size::float8 as archive_size, a.sha256 as archive_sha256,
      a.accessibility as archive_accessibility, a.file_name as archive_file_name, a.entries_indexed,
      (e.entry ->> 0)::int as entry_method, (e.entry ->> 1)::int as entry_flags,
      (e.entry ->> 2)::float8 as entry_crc32, (e.entry ->> 3)::float8 as entry_compressed_size,
      (e.entry ->> 4)::float8 as entry_uncompressed_size, (e.entry ->> 5)::float8 as entry_local_header_offset,
      (e.entry ->> 6)::float8 as entry_end_offset, (e.entry ->> 7)::int as entry_extra_length
    from (select 1) as one
    left join pat on true
    left join cred_job on true
    left join proj on true
    left join project_members pm_pat on pm_pat.project_id = proj.id and pm_pat.user_id = pat.user_id
    left join project_members pm_job on pm_job.project_id = proj.id and pm_job.user_id = cred_job.user_id
    left join build on true
    left join job_artifacts a on a.job_id = build.id and a.file_type = 'archive'
    left join lateral (
      select g.entries -> ${entryPath}::text as entry from artifact_entry_groups g
      where ${entryDigest}::text is not null and g.storage_key = a.storage_key
        and (g.first_key, g.first_sha256) <= (left(${entryPath}::text, 600) collate "C", ${entryDigest}::text collate "C")
      order by g.first_key desc, g.first_sha256 desc limit 1
    ) e on true
  `);
  const row = result.rows[0];
  if (!row) throw new Error("download lookup returned no row");
  return toDownload({ ...row, build_expire_at: row.build_expire_at ? new Date(row.build_expire_at) : null });
}

/** The statement's row as a Download. */
export function toDownload(row: DownloadRow): Download {
  const archive = archiveOf(row);
  const expireAt = row.build_expire_at;
  const locked = row.pipeline_locked === "artifacts_locked";
  return {
    tokens: { pat: patOf(row), job: jobTokenOf(row) },
    project: projectOf(row),
    job:
      row.build_id === null
        ? null
        : {
            id: row.build_id,
            availableArtifacts: (now) => (expireAt === null || expireAt > now || locked) && archive !== null,
          },
    archive,
    entry: entryOf(row),
  };
}

function patOf(row: DownloadRow): PatFound | null {
  if (row.pat_user_id === null) return null;
  return {
    revoked: row.pat_revoked === true,
    expired: row.pat_expired === true,
    scopes: row.pat_scopes ?? [],
    userState: row.pat_user_state ?? "active",
    admin: row.pat_user_admin === true,
    accessLevel: row.pat_access ?? 0,
  };
}

function jobTokenOf(row: DownloadRow): JobTokenFound | null {
  if (row.cred_job_id === null || row.job_project_id === null) return null;
  return {
    projectId: row.job_project_id,
    projectPath: row.job_project_path ?? "",
    userState: row.job_user_state,
    accessLevel: row.job_access ?? 0,
    linked: row.job_linked === true,
  };
}

function projectOf(row: DownloadRow): DownloadProject | null {
  if (row.project_id === null) return null;
  return {
    id: row.project_id,
    path: row.project_path ?? "",
    visibility: row.visibility ?? "private",
    publicBuilds: row.public_builds === true,
    buildsEnabled: row.builds_enabled === true,
    inboundScopeEnabled: row.inbound_enabled !== false,
  };
}

function archiveOf(row: DownloadRow): DownloadArchive | null {
  if (row.archive_key === null || row.archive_size === null || row.archive_sha256 === null) return null;
  return {
    key: row.archive_key,
    size: row.archive_size,
    sha256: row.archive_sha256,
    fileName: row.archive_file_name ?? "artifacts.zip",
    accessibility: row.archive_accessibility ?? "public",
  };
}

function entryOf(row: DownloadRow): IndexedEntry {
  if (!row.entries_indexed) return { kind: "unindexed" };
  if (row.entry_method === null) return { kind: "missing" };
  const entry = {
    method: row.entry_method,
    flags: row.entry_flags ?? 0,
    crc32: row.entry_crc32 ?? 0,
    compressedSize: row.entry_compressed_size ?? 0,
    uncompressedSize: row.entry_uncompressed_size ?? 0,
    localHeaderOffset: row.entry_local_header_offset ?? 0,
    end: row.entry_end_offset ?? 0,
    extraLength: row.entry_extra_length ?? 0,
  };
  return { kind: "found", entry };
}
