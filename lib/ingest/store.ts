import type { Database } from "../platform/db";
import type { Storage } from "../platform/storage";
import { scheduleDeletion } from "../retention/deletion-queue";
import { type ArchiveSummary, inspectArchive } from "../zip/inspect";
import { UPLOAD_INSURANCE_MS } from "./keys";

/**
 * Streams an archive into storage, measuring, hashing and checking it on the way. The key is
 * first scheduled for deletion a day out, so a crash between upload and record orphans nothing.
 */
export async function storeArchive(
  services: { db: Database; storage: Storage; now: () => Date },
  key: string,
  body: ReadableStream<Uint8Array>,
): Promise<ArchiveSummary> {
  const { storage } = services;
  await scheduleDeletion(services.db, [key], new Date(services.now().getTime() + UPLOAD_INSURANCE_MS));
  const { stream, summary } = inspectArchive();
  try {
    await Promise.all([storage.upload(key, body.pipeThrough(stream), "application/zip"), summary]);
  } catch (error) {
    // A multipart upload aborts itself; a finished small one may remain.
    await storage.delete([key]).catch(() => {});
    throw error;
  }
  return summary;
}

/** Reads back an archive that a client put straight into storage, and checks it. */
export async function inspectStoredArchive(storage: Storage, key: string): Promise<ArchiveSummary | null> {
  const body = await storage.read(key);
  if (!body) return null;
  const { stream, summary } = inspectArchive();
  await Promise.all([body.pipeThrough(stream).pipeTo(new WritableStream()), summary]);
  return summary;
}
