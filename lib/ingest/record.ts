import { and, eq, sql } from "drizzle-orm";
import type { Job } from "../../schema";
import { jobArtifacts, jobs } from "../../schema";
import type { Database } from "../platform/db";
import type { Logger } from "../platform/services";
import type { Storage } from "../platform/storage";
import { cancelDeletion, deleteNow, scheduleDeletion } from "../retention/deletion-queue";
import type { ArchiveSummary } from "../zip/inspect";
import { indexArchive } from "../zip/reader";
import { type EntryGroup, entryGroups } from "./entry-groups";
import { ARCHIVE_FILENAME } from "./keys";

/**
 * Index groups per INSERT (values as literals, at most about 16 KiB a group, so a statement stays
 * near 16 MB): an index of MAX_ENTRIES entries is a few statements, 70,000 entries (547 groups) one.
 */
export const INDEX_INSERT_BATCH = 1_000;

/**
 * The archive's index (lib/ingest/entry-groups.ts). An archive that cannot be indexed whole is
 * refused (NotAZipError, 400), as is one past `maxEntries` entries (ZipLimitError, 413): every
 * archive recorded is indexed, so no download reads a central directory (security review finding 3).
 */
export async function indexGroups(
  storage: Storage,
  archive: { readonly key: string; readonly summary: ArchiveSummary },
  maxEntries: number,
): Promise<EntryGroup[]> {
  const { centralDirectory: location, tail, size } = archive.summary;
  return entryGroups(await indexArchive(storage, { key: archive.key, size }, { location, tail }, maxEntries));
}

/** Whether the upload kept the whole central directory, so that indexing reads nothing from storage. */
export function directoryKept(summary: ArchiveSummary): boolean {
  return summary.centralDirectory.offset >= summary.size - summary.tail.length;
}

/**
 * `value` as a PostgreSQL string literal that reads back exactly whatever
 * standard_conforming_strings says: quotes doubled, and backslashes doubled in an E'' literal
 * (node-postgres' escapeLiteral; pg itself stays out of the Worker's bundle).
 */
export function literal(value: string): string {
  const quoted = value.replaceAll("'", "''");
  return value.includes("\\") ? `E'${quoted.replaceAll("\\", "\\\\")}'` : `'${quoted}'`;
}

/**
 * Inserts index groups [from, to) in one statement, with the values as literals: a statement
 * without parameters goes as one message of the simple protocol. With parameters it is five
 * (parse, bind, describe, execute, sync), and the Neon driver copies what it has buffered on
 * each write, so a 6 MB bind went through four copies: about 17 ms of CPU at 70,000 entries.
 */
function insertGroups(db: Pick<Database, "execute">, key: string, groups: EntryGroup[], from: number, to: number) {
  const rows = groups
    .slice(from, to)
    .map((g) => `(${literal(key)}, ${literal(g.firstKey)}, ${literal(g.firstSha256)}, ${literal(g.json)}::json)`);
  return db.execute(
    sql.raw(
      `insert into artifact_entry_groups (storage_key, first_key, first_sha256, entries) values ${rows.join(", ")}`,
    ),
  );
}

/**
 * Writes the index of the archive stored at `key` (a fresh key per upload, so nothing is there
 * yet), INDEX_INSERT_BATCH groups a statement. No transaction: nothing reads the rows until a
 * job_artifacts row names the key, which recordArchive commits only after this is done; rows of
 * an upload that fails go with its object (discardArchive, or the cleanup's purge after a crash).
 */
export async function writeIndex(db: Pick<Database, "execute">, key: string, groups: EntryGroup[]): Promise<void> {
  for (let i = 0; i < groups.length; i += INDEX_INSERT_BATCH) {
    await insertGroups(db, key, groups, i, Math.min(groups.length, i + INDEX_INSERT_BATCH));
  }
}

/** An archive stored and indexed (lib/ingest/store.ts), to be made a job's. */
export interface ArchiveRecord {
  readonly key: string;
  readonly summary: ArchiveSummary;
  readonly accessibility: "public" | "private" | "none";
  readonly expireAt: Date | null;
}

/**
 * Makes `record` the job's archive, replacing an earlier one. In one transaction the row moves
 * to the new object, the upload's insurance is taken back and the old object is scheduled for
 * deletion; then the old object is deleted at once (or by the cleanup, should that fail).
 */
export async function recordArchive(
  services: { db: Database; storage: Storage; log: Logger; now: () => Date },
  job: Job,
  record: ArchiveRecord,
): Promise<void> {
  const { db } = services;
  const replaced = await db.transaction(async (tx) => {
    // The job's row first: two uploads of one job take their turns here. Without it, the second
    // read "no archive yet" while the first's row was uncommitted, then its upsert waited and
    // overwrote that row, and the first archive (object and index) was never deleted.
    await tx.update(jobs).set({ artifacts_expire_at: record.expireAt }).where(eq(jobs.id, job.id));
    const [previous] = await tx
      .select({ key: jobArtifacts.storage_key })
      .from(jobArtifacts)
      .where(and(eq(jobArtifacts.job_id, job.id), eq(jobArtifacts.file_type, "archive")))
      .for("update");
    const values = {
      storage_key: record.key,
      size: record.summary.size,
      sha256: record.summary.sha256,
      accessibility: record.accessibility,
      expire_at: record.expireAt,
      entries_indexed: true,
    };
    await tx
      .insert(jobArtifacts)
      .values({
        project_id: job.project_id,
        job_id: job.id,
        file_type: "archive",
        file_format: "zip",
        file_name: ARCHIVE_FILENAME,
        ...values,
      })
      .onConflictDoUpdate({ target: [jobArtifacts.job_id, jobArtifacts.file_type], set: values });
    await cancelDeletion(tx, record.key);
    const old = previous && previous.key !== record.key ? previous.key : undefined;
    if (old) await scheduleDeletion(tx, [old], services.now());
    return old;
  });
  if (replaced) await deleteNow(services, [replaced]);
}
