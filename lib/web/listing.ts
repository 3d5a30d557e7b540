import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../platform/db";

/**
 * Characters of an entry name the index orders and keys on (schema/artifact-entries.ts, whose
 * migration says the same number): at most 2,400 bytes of UTF-8, so that any name fits a btree row. A directory whose own path is longer than this lists nothing.
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
 * index (artifact_entry_groups, one row per group of neighbouring entries in byte order) a group
 * at a time. Each step reads the group that holds the next entry past the last child, one index
 * probe, and takes from it every child it holds: a new child is an entry whose name (or first
 * directory) differs from the entry before it. After a subdirectory it continues at `dir0` ('0'
 * follows '/' in byte order), past every entry beneath it, so a page reads at most two groups a
 * child however many entries the archive has, and usually one or two in all.
 * Subdirectories with no entry of their own (`dir/` is optional in a zip) are found the same way.
 */
export async function listDirectory(
  db: Database,
  options: { jobId: number; storageKey: string; directory: string; after?: string },
): Promise<JobListing> {
  const { directory } = options;
  const { gt, ge } = startBounds(directory, options.after);
  const c = (value: SQL | string) => sql`${value}::text collate "C"`;
  // Below the directory: before `dir0` when the directory is `dir/`; the root has no end.
  const end = directory === "" ? null : `${directory.slice(0, -1)}0`;
  const below = (column: SQL) => (end === null ? sql`` : sql`and ${column} < ${c(end)}`);
  const rest = sql`substr(y.k, ${[...directory].length + 1})`;
  const group = sql`g.first_key, g.first_sha256, g.entries from artifact_entry_groups g
    where g.storage_key = ${c(options.storageKey)} and (g.first_key, g.first_sha256) > (w.gk, w.gd)`;
  const result = await db.execute<ChildRow & Record<string, unknown>>(sql`
    with recursive walk(s, n, gk, gd, k, lo, children) as (
      select 0, 0, ${c("")}, ${c("")}, ${c(gt)}, ${c(ge)}, '[]'::json
      union all
      select w.s + 1, w.n + step.count::int, ng.first_key, ng.first_sha256, step.k, step.lo, step.children
      from walk w
      cross join lateral (
        -- The last group that starts at or before the next entry, else the first after this one.
        (select ${group} and g.first_key <= greatest(w.k, w.lo) order by g.first_key desc, g.first_sha256 desc limit 1)
        union all
        (select ${group} ${below(sql`g.first_key`)} order by g.first_key, g.first_sha256 limit 1)
        limit 1
      ) ng
      cross join lateral (
        select count(*) filter (where x.new) as count,
          coalesce(json_agg(json_build_array(x.k, x.path, x.size) order by x.i) filter (where x.new), '[]') as children,
          coalesce((array_agg(x.k order by x.i desc))[1], w.k) as k,
          coalesce((array_agg(x.lo order by x.i desc))[1], w.lo) as lo
        from (
          select y.*, y.child is distinct from lag(y.child) over (order by y.i) as new,
            case when y.child like '%/' then ${c(directory)} || left(y.child, -1) || '0' else '' end as lo
          from (
            select y.i, y.k, y.path, y.size,
              case when strpos(${rest}, '/') > 0 then split_part(${rest}, '/', 1) || '/' else ${rest} end as child
            from (
              select e.i, left(e.key, ${sql.raw(String(LISTING_KEY_CHARS))}) collate "C" as k, e.key as path,
                (e.value ->> 4)::float8 as size
              from json_each(ng.entries) with ordinality as e(key, value, i)
            ) y
            where y.k > w.k and y.k >= w.lo ${below(sql`y.k`)}
          ) y
        ) x
      ) step
      where w.n <= ${BROWSE_PAGE_SIZE}
    ),
    job as (${summarySql(options.jobId)}),
    child as (
      select w.s, e.i, e.value ->> 0 as k, e.value ->> 1 as path, (e.value ->> 2)::float8 as size
      from walk w, json_array_elements(w.children) with ordinality as e(value, i)
      order by w.s, e.i limit ${BROWSE_PAGE_SIZE + 1}
    )
    select job.*, child.k, child.path, child.size from job left join child on true order by child.s, child.i
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
