import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../platform/db";

/**
 * Characters of an entry name the listing index keys on (schema/artifact-entries.ts's
 * artifact_entries_listing_idx says the same number): at most 2,400 bytes of UTF-8, so that any
 * name fits a btree row. A directory whose own path is longer than this lists nothing.
 */
export const LISTING_KEY_CHARS = 600;

/**
 * Children a browse page shows at most; the rest are a "next page" away. GitLab lists a whole
 * directory at once, which a 200,000-entry archive turns into one very long page.
 */
export const BROWSE_PAGE_SIZE = 200;

/** A file or a subdirectory directly in the listed directory. */
export interface Child {
  readonly name: string;
  readonly directory: boolean;
  /** A file's uncompressed size (null for a directory). */
  readonly size: number | null;
}

/** What a browse page shows: its job and one page of the directory. */
export interface JobListing {
  readonly job: JobSummary | null;
  readonly children: readonly Child[];
  /** Where the next page starts (`after`), when there is one. */
  readonly next: string | null;
}

export interface JobSummary {
  readonly id: number;
  readonly name: string;
  readonly ref: string;
  readonly pipelineId: number;
  readonly status: string;
  readonly expireAt: Date | null;
}

interface SummaryRow {
  job_id: number | null;
  job_name: string | null;
  ref: string | null;
  pipeline_id: number | null;
  status: string | null;
  expire_at: string | Date | null;
}

interface ChildRow extends SummaryRow {
  k: string | null;
  path: string | null;
  size: number | null;
}

const key = (column: SQL): SQL => sql`left(${column}, ${sql.raw(String(LISTING_KEY_CHARS))}) collate "C"`;

function summaryOf(row: SummaryRow | undefined): JobSummary | null {
  if (!row || row.job_id === null) return null;
  return {
    id: row.job_id,
    name: row.job_name ?? "",
    ref: row.ref ?? "",
    pipelineId: row.pipeline_id ?? 0,
    status: row.status ?? "",
    expireAt: row.expire_at === null ? null : new Date(row.expire_at),
  };
}

const summarySql = (jobId: number): SQL => sql`
  select j.id as job_id, j.name as job_name, pl.ref, pl.id as pipeline_id, j.status,
         j.artifacts_expire_at as expire_at
  from jobs j join pipelines pl on pl.id = j.pipeline_id where j.id = ${jobId}`;

/** The job a file page shows: name, ref, pipeline, status, expiry. */
export async function jobSummary(db: Database, jobId: number): Promise<JobSummary | null> {
  const result = await db.execute<SummaryRow & Record<string, unknown>>(summarySql(jobId));
  return summaryOf(result.rows[0]);
}

/** Where a page of `directory` (`""` or ending in `/`) starts, after the child `after` (`name/` for a directory). */
function startBounds(directory: string, after: string | undefined): { gt: string; ge: string } {
  if (!after) return { gt: directory, ge: directory };
  if (after.endsWith("/")) return { gt: directory, ge: `${directory}${after.slice(0, -1)}0` };
  return { gt: `${directory}${after}`, ge: directory };
}

/**
 * One page of the directory's children and the job, in ONE statement: a walk of the archive's
 * entries in byte order over artifact_entries_listing_idx, one index probe a child. After a
 * subdirectory's first entry it jumps to `dir0` ('0' follows '/' in byte order), past every
 * entry beneath it, so a page costs BROWSE_PAGE_SIZE probes however many entries the archive has.
 * Subdirectories with no entry of their own (`dir/` is optional in a zip) are found the same way.
 */
export async function listDirectory(
  db: Database,
  options: { jobId: number; storageKey: string; directory: string; after?: string },
): Promise<JobListing> {
  const { directory } = options;
  const { gt, ge } = startBounds(directory, options.after);
  const artifact = sql`(select id from job_artifacts where storage_key = ${options.storageKey})`;
  // Below the directory: before `dir0` when the directory is `dir/`; the root has no end.
  const below = (alias: SQL) =>
    directory === "" ? sql`` : sql`and ${key(sql`${alias}.path`)} < ${`${directory.slice(0, -1)}0`}`;
  const rest = sql`substr(w.k, ${directory.length + 1})`;
  const result = await db.execute<ChildRow & Record<string, unknown>>(sql`
    with recursive walk(n, k, path, size) as (
      (select 1, ${key(sql`e.path`)}, e.path, e.uncompressed_size::float8 from artifact_entries e
       where e.artifact_id = ${artifact} and ${key(sql`e.path`)} > ${gt} and ${key(sql`e.path`)} >= ${ge} ${below(sql.raw("e"))}
       order by ${key(sql`e.path`)} limit 1)
      union all
      select w.n + 1, nx.k, nx.path, nx.size from walk w, lateral (
        select ${key(sql`x.path`)} as k, x.path, x.uncompressed_size::float8 as size from artifact_entries x
        where x.artifact_id = ${artifact} and ${key(sql`x.path`)} > w.k
          and ${key(sql`x.path`)} >= (case when strpos(${rest}, '/') > 0
                                          then ${directory} || split_part(${rest}, '/', 1) || '0' else '' end)
          ${below(sql.raw("x"))}
        order by ${key(sql`x.path`)} limit 1
      ) nx
      where w.n <= ${BROWSE_PAGE_SIZE}
    ),
    job as (${summarySql(options.jobId)})
    select job.*, walk.k, walk.path, walk.size from job left join walk on true order by walk.n
  `);
  const rows = result.rows;
  const children: Child[] = [];
  for (const row of rows.slice(0, BROWSE_PAGE_SIZE)) {
    if (row.k === null || row.path === null) continue;
    // The name from the whole path; the key (cut at LISTING_KEY_CHARS) only steers the walk.
    const relative = row.path.slice(directory.length);
    const slash = relative.indexOf("/");
    const name = slash < 0 ? relative : relative.slice(0, slash);
    children.push({ name, directory: slash >= 0, size: slash < 0 ? row.size : null });
  }
  const last = children.at(-1);
  const more = rows.length > BROWSE_PAGE_SIZE && rows[BROWSE_PAGE_SIZE]?.k != null;
  return {
    job: summaryOf(rows[0]),
    // Names no path can reach (empty, `.`, `..`: `/abs`, `a//b`, `../x`) are walked past, not shown.
    children: children.filter((child) => child.name !== "" && child.name !== "." && child.name !== ".."),
    next: more && last ? (last.directory ? `${last.name}/` : last.name) : null,
  };
}
