import { and, eq } from "drizzle-orm";
import type { Job } from "../../schema";
import { artifactEntries, jobArtifacts, jobs } from "../../schema";
import { sha256Hex } from "../auth/tokens";
import { type Config, DEFAULT_MAX_ARTIFACT_ENTRIES } from "../platform/config";
import type { Database } from "../platform/db";
import type { Logger } from "../platform/services";
import type { Storage } from "../platform/storage";
import { cancelDeletion, deleteNow, scheduleDeletion } from "../retention/deletion-queue";
import type { ArchiveSummary } from "../zip/inspect";
import { indexArchive } from "../zip/reader";
import { ARCHIVE_FILENAME } from "./keys";

const INDEX_INSERT_BATCH = 1000;

/**
 * The archive's index rows: every UTF-8-named entry (the first of duplicate names, the one
 * Workhorse would serve). An archive that cannot be indexed whole is refused (NotAZipError, 400),
 * as is one past `maxEntries` entries (ZipLimitError, 413): every archive recorded is indexed,
 * so no download reads a central directory (security review finding 3).
 */
async function entryRows(services: { storage: Storage }, record: ArchiveRecord, maxEntries: number) {
  const { centralDirectory: location, tail, size } = record.summary;
  const entries = await indexArchive(services.storage, { key: record.key, size }, { location, tail }, maxEntries);
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const rows = new Map<string, Omit<typeof artifactEntries.$inferInsert, "artifact_id">>();
  for (const entry of entries) {
    let path: string;
    try {
      path = decoder.decode(entry.name);
    } catch {
      continue;
    }
    if (rows.has(path) || path.includes("\0")) continue;
    rows.set(path, {
      path_sha256: sha256Hex(path),
      path,
      method: entry.method,
      flags: entry.flags,
      crc32: entry.crc32,
      compressed_size: entry.compressedSize,
      uncompressed_size: entry.uncompressedSize,
      local_header_offset: entry.localHeaderOffset,
      end_offset: entry.end,
      extra_length: entry.extraLength,
    });
  }
  return [...rows.values()];
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
  const entries = await entryRows(services, record, maxEntries);
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
    for (let i = 0; i < entries.length; i += INDEX_INSERT_BATCH) {
      await tx
        .insert(artifactEntries)
        .values(entries.slice(i, i + INDEX_INSERT_BATCH).map((e) => ({ ...e, artifact_id: artifact.id })));
    }
    await tx.update(jobs).set({ artifacts_expire_at: record.expireAt }).where(eq(jobs.id, job.id));
    await cancelDeletion(tx, record.key);
    const old = previous && previous.key !== record.key ? previous.key : undefined;
    if (old) await scheduleDeletion(tx, [old], services.now());
    return old;
  });
  if (replaced) await deleteNow(services, [replaced]);
}
