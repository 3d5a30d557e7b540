import type { Job } from "../../schema";
import { artifactTooLarge, paramInvalid } from "../errors";
import { type Config, DEFAULT_MAX_ARTIFACT_ENTRIES } from "../platform/config";
import type { Database } from "../platform/db";
import type { Storage } from "../platform/storage";
import { forgetIndexes, scheduleDeletion } from "../retention/deletion-queue";
import { type ArchiveSummary, inspectArchive } from "../zip/inspect";
import { ARCHIVE_CONTENT_TYPE, archiveKey, UPLOAD_INSURANCE_MS } from "./keys";
import { directoryKept, indexGroups, writeIndex } from "./record";

type StoreServices = {
  db: Database;
  storage: Storage;
  now: () => Date;
  config?: Pick<Config, "MAX_ARTIFACT_ENTRIES">;
};

/** An archive in storage under a key only this service writes, as checked on its way in, and indexed. */
export interface StoredArchive {
  readonly key: string;
  readonly summary: ArchiveSummary;
}

/** Schedules `key` for deletion a day out, so a crash before the archive is recorded orphans nothing. */
function insure(services: StoreServices, key: string): Promise<void> {
  return scheduleDeletion(services.db, [key], new Date(services.now().getTime() + UPLOAD_INSURANCE_MS));
}

/** Deletes an archive that will not be recorded: its object and its index. */
export async function discardArchive(services: Pick<StoreServices, "db" | "storage">, key: string): Promise<void> {
  await Promise.all([
    services.storage.delete([key]).catch(() => {}),
    forgetIndexes(services.db, [key]).catch(() => {}),
  ]);
}

/** Builds and writes the index of the archive at `key` (lib/ingest/record.ts). */
async function index(services: StoreServices, archive: StoredArchive): Promise<void> {
  const maxEntries = services.config?.MAX_ARTIFACT_ENTRIES ?? DEFAULT_MAX_ARTIFACT_ENTRIES;
  await writeIndex(services.db, archive.key, await indexGroups(services.storage, archive, maxEntries));
}

/**
 * Streams an archive into storage at `key`, measuring, hashing and checking it on the way, and
 * indexes it. Once the last byte has passed, the index is built from the central directory the
 * stream kept and written to the database while storage is still taking the archive (its queued
 * parts, then completing it): the two overlap, and the transaction that records the archive
 * carries none of it. A directory larger than the kept tail is read back once storage is done.
 * A failure of either deletes both (the insurance row covers a crash).
 */
export async function storeArchive(
  services: StoreServices,
  key: string,
  body: ReadableStream<Uint8Array>,
): Promise<StoredArchive> {
  await insure(services, key);
  const { stream, summary } = inspectArchive();
  const uploading = services.storage.upload(key, body.pipeThrough(stream), ARCHIVE_CONTENT_TYPE);
  // The index's write, once it has begun: a failure waits for it, so no row lands after the discard.
  let writing: Promise<void> = Promise.resolve();
  const indexing = summary.then(async (s) => {
    // A directory larger than the kept tail is read back from storage, so only after the upload.
    if (!directoryKept(s)) await uploading;
    writing = index(services, { key, summary: s });
    await writing;
  });
  try {
    await Promise.all([
      uploading,
      // A failed upload stops reading, so its summary never comes: its own failure ends the wait.
      indexing.catch(async (error: unknown) => {
        await uploading.catch(() => {});
        throw error;
      }),
    ]);
    return { key, summary: await summary };
  } catch (error) {
    // A multipart upload aborts itself; a finished small one may remain.
    await uploading.catch(() => {});
    await writing.catch(() => {});
    await discardArchive(services, key);
    throw error;
  }
}

/**
 * Adopts a direct upload (security review finding 4): its URL stays valid after finalize, so the
 * object is first copied, server-side, to a fresh key nobody holds a URL for, and what is
 * measured, hashed and checked (and then recorded) is that copy. The copy must be the size the
 * URL was signed for, and at most `maxSize`. Undefined when nothing was uploaded. The upload's own
 * object is the caller's to delete; its deletion row stays until the URL is long expired.
 */
export async function adoptDirectUpload(
  services: StoreServices,
  job: Pick<Job, "id" | "project_id">,
  upload: { key: string; size: number },
  maxSize: number,
): Promise<StoredArchive | undefined> {
  const { storage } = services;
  const key = archiveKey(job);
  await insure(services, key);
  if (!(await storage.copy(upload.key, key, ARCHIVE_CONTENT_TYPE))) return undefined;
  try {
    const body = await storage.read(key);
    if (!body) return undefined;
    const { stream, summary } = inspectArchive();
    await Promise.all([body.pipeThrough(capped(maxSize)).pipeThrough(stream).pipeTo(new WritableStream()), summary]);
    // Storage only accepts the signed Content-Length; a store that checks no signatures may not.
    if ((await summary).size !== upload.size) throw paramInvalid("upload_key");
    const adopted = { key, summary: await summary };
    await index(services, adopted);
    return adopted;
  } catch (error) {
    await discardArchive(services, key);
    throw error;
  }
}

/** Passes at most `max` bytes; one more fails the stream with 413, which stops the read. */
function capped(max: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.length;
      if (seen > max) throw artifactTooLarge();
      controller.enqueue(chunk);
    },
  });
}
