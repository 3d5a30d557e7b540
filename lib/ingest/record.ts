import { and, eq, sql } from "drizzle-orm";
import type { Job } from "../../schema";
import { artifactEntries, jobArtifacts, jobs } from "../../schema";
import { type Config, DEFAULT_MAX_ARTIFACT_ENTRIES } from "../platform/config";
import type { Database } from "../platform/db";
import type { Logger } from "../platform/services";
import type { Storage } from "../platform/storage";
import { cancelDeletion, deleteNow, scheduleDeletion } from "../retention/deletion-queue";
import type { ArchiveSummary } from "../zip/inspect";
import { indexArchive } from "../zip/reader";
import { ARCHIVE_FILENAME } from "./keys";

/**
 * Index rows per INSERT: one array parameter per column, so a statement's size is bounded by
 * memory, not by the protocol's 65,535 parameters; 70,000 entries are three statements.
 */
export const INDEX_INSERT_BATCH = 25_000;

/** The index's columns, one array each (the insert's parameters), in the archive's order. */
interface EntryColumns {
  path: string[];
  method: number[];
  flags: number[];
  crc32: number[];
  compressed_size: number[];
  uncompressed_size: number[];
  local_header_offset: number[];
  end_offset: number[];
  extra_length: number[];
}

/**
 * The archive's index: every UTF-8-named entry (the first of duplicate names, the one Workhorse
 * would serve). An archive that cannot be indexed whole is refused (NotAZipError, 400), as is
 * one past `maxEntries` entries (ZipLimitError, 413): every archive recorded is indexed, so no
 * download reads a central directory (security review finding 3).
 */
async function entryColumns(services: { storage: Storage }, record: ArchiveRecord, maxEntries: number) {
  const { centralDirectory: location, tail, size } = record.summary;
  const entries = await indexArchive(services.storage, { key: record.key, size }, { location, tail }, maxEntries);
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const seen = new Set<string>();
  const columns: EntryColumns = {
    path: [],
    method: [],
    flags: [],
    crc32: [],
    compressed_size: [],
    uncompressed_size: [],
    local_header_offset: [],
    end_offset: [],
    extra_length: [],
  };
  for (const entry of entries) {
    let path: string;
    try {
      path = decoder.decode(entry.name);
    } catch {
      continue;
    }
    if (seen.has(path) || path.includes("\0")) continue;
    seen.add(path);
    columns.path.push(path);
    columns.method.push(entry.method);
    columns.flags.push(entry.flags);
    columns.crc32.push(entry.crc32);
    columns.compressed_size.push(entry.compressedSize);
    columns.uncompressed_size.push(entry.uncompressedSize);
    columns.local_header_offset.push(entry.localHeaderOffset);
    columns.end_offset.push(entry.end);
    columns.extra_length.push(entry.extraLength);
  }
  return columns;
}

/**
 * Inserts rows [from, to) of the index in one statement. Raw SQL because the query builder can
 * only say `values (...), (...)`, one parameter per field (a 1,000-row batch took 11,000 of
 * them, and building those statements was most of an upload's time); here each column is one
 * array parameter, unnested. The key is the SHA-256 of the path's UTF-8 bytes (as
 * lib/downloads/lookup.ts computes it), hashed by PostgreSQL as the rows go in, which go in
 * in key order: the primary key's btree then grows page by page, not at random places.
 */
function insertEntries(tx: Pick<Database, "execute">, artifactId: number, c: EntryColumns, from: number, to: number) {
  const col = (values: readonly unknown[], type: string) =>
    sql`${sql.param(values.slice(from, to))}::${sql.raw(type)}[]`;
  return tx.execute(sql`
    insert into artifact_entries (artifact_id, path_sha256, path, method, flags, crc32, compressed_size,
      uncompressed_size, local_header_offset, end_offset, extra_length)
    select ${artifactId}::int, encode(sha256(convert_to(e.path, 'UTF8')), 'hex'), e.path, e.method, e.flags,
      e.crc32, e.compressed_size, e.uncompressed_size, e.local_header_offset, e.end_offset, e.extra_length
    from unnest(${col(c.path, "text")}, ${col(c.method, "int")}, ${col(c.flags, "int")}, ${col(c.crc32, "bigint")},
      ${col(c.compressed_size, "bigint")}, ${col(c.uncompressed_size, "bigint")}, ${col(c.local_header_offset, "bigint")},
      ${col(c.end_offset, "bigint")}, ${col(c.extra_length, "int")})
      as e(path, method, flags, crc32, compressed_size, uncompressed_size, local_header_offset, end_offset, extra_length)
    order by 2
  `);
}

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
  services: {
    db: Database;
    storage: Storage;
    log: Logger;
    now: () => Date;
    config?: Pick<Config, "MAX_ARTIFACT_ENTRIES">;
  },
  job: Job,
  record: ArchiveRecord,
): Promise<void> {
  const { db } = services;
  const maxEntries = services.config?.MAX_ARTIFACT_ENTRIES ?? DEFAULT_MAX_ARTIFACT_ENTRIES;
  const entries = await entryColumns(services, record, maxEntries);
  const replaced = await db.transaction(async (tx) => {
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
    const [artifact] = await tx
      .insert(jobArtifacts)
      .values({
        project_id: job.project_id,
        job_id: job.id,
        file_type: "archive",
        file_format: "zip",
        file_name: ARCHIVE_FILENAME,
        ...values,
      })
      .onConflictDoUpdate({ target: [jobArtifacts.job_id, jobArtifacts.file_type], set: values })
      .returning({ id: jobArtifacts.id });
    if (!artifact) throw new Error("artifact upsert returned no row");
    await tx.delete(artifactEntries).where(eq(artifactEntries.artifact_id, artifact.id));
    for (let i = 0; i < entries.path.length; i += INDEX_INSERT_BATCH) {
      await insertEntries(tx, artifact.id, entries, i, Math.min(entries.path.length, i + INDEX_INSERT_BATCH));
    }
    await tx.update(jobs).set({ artifacts_expire_at: record.expireAt }).where(eq(jobs.id, job.id));
    await cancelDeletion(tx, record.key);
    const old = previous && previous.key !== record.key ? previous.key : undefined;
    if (old) await scheduleDeletion(tx, [old], services.now());
    return old;
  });
  if (replaced) await deleteNow(services, [replaced]);
}
