import type { Job } from "../../schema";
import { artifactTooLarge, paramInvalid } from "../errors";
import { type Config, DEFAULT_MAX_ARTIFACT_ENTRIES } from "../platform/config";
import type { Database } from "../platform/db";
import type { Storage } from "../platform/storage";
import { scheduleDeletion } from "../retention/deletion-queue";
import { type ArchiveSummary, inspectArchive } from "../zip/inspect";
import type { EntryGroup } from "./entry-groups";
import { ARCHIVE_CONTENT_TYPE, archiveKey, UPLOAD_INSURANCE_MS } from "./keys";
import { directoryKept, indexGroups } from "./record";

type StoreServices = {
  db: Database;
  storage: Storage;
  now: () => Date;
  config?: Pick<Config, "MAX_ARTIFACT_ENTRIES">;
};

/** An archive in storage under a key only this service writes, as checked on its way in. */
export interface StoredArchive {
  readonly key: string;
  readonly summary: ArchiveSummary;
  /** Its index, when built while storage finished the upload. */
  readonly groups?: EntryGroup[];
}

/** Schedules `key` for deletion a day out, so a crash before the archive is recorded orphans nothing. */
function insure(services: StoreServices, key: string): Promise<void> {
  return scheduleDeletion(services.db, [key], new Date(services.now().getTime() + UPLOAD_INSURANCE_MS));
}

/**
 * Streams an archive into storage at `key`, measuring, hashing and checking it on the way. Once
 * the last byte has passed, the index is built from the central directory the stream kept, while
 * storage finishes the upload (its last part, then completing it): the two overlap. An index that
 * cannot be built fails the upload, once storage is done with it.
 */
export async function storeArchive(
  services: StoreServices,
  key: string,
  body: ReadableStream<Uint8Array>,
): Promise<StoredArchive> {
  const { storage } = services;
  const maxEntries = services.config?.MAX_ARTIFACT_ENTRIES ?? DEFAULT_MAX_ARTIFACT_ENTRIES;
  await insure(services, key);
  const { stream, summary } = inspectArchive();
  const uploading = storage.upload(key, body.pipeThrough(stream), ARCHIVE_CONTENT_TYPE);
  // A directory larger than the kept tail is read back from storage, so only after the upload.
  const indexing = summary.then((s) =>
    directoryKept(s) ? indexGroups(storage, { key, summary: s }, maxEntries) : undefined,
  );
  try {
    const [, groups] = await Promise.all([
      uploading,
      // A failed upload stops reading, so its summary never comes: its own failure ends the wait.
      indexing.catch(async (error: unknown) => {
        await uploading.catch(() => {});
        throw error;
      }),
    ]);
    return { key, summary: await summary, groups };
  } catch (error) {
    // A multipart upload aborts itself; a finished small one may remain.
    await storage.delete([key]).catch(() => {});
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
    return { key, summary: await summary };
  } catch (error) {
    await storage.delete([key]).catch(() => {});
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
