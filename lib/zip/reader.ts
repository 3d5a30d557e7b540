import type { Storage } from "../platform/storage";
import { EntryFinder, IndexBuilder, MAX_ENTRIES, type ZipEntry } from "./central-directory";
import { type ByteRange, decodeEntry, decodeWhole } from "./decode";
import { scanRecords } from "./directory-scan";
import { type CentralDirectoryLocation, locateCentralDirectory, MAX_TAIL } from "./eocd";
import { ArchiveNotFoundError, CorruptEntryError, UnsupportedEntryError, ZipLimitError } from "./errors";
import { checkedLocalHeader, checkHeader } from "./local-header";

/** First read: the end records and as much of the central directory as fits. */
export const TAIL_READ = 64 * 1024;
/**
 * Largest central directory indexed at upload, read as a stream (GitLab's metadata reader stops
 * at 100 MB): a larger one is refused with the archive (limits_reached).
 */
export const MAX_CENTRAL_DIRECTORY = 64 * 1024 * 1024;
/**
 * Largest central directory read per request, for the archives recorded before every upload was
 * indexed (entries_indexed = false): about 90,000 entries of usual names. Past it the file is a
 * 500 (limits_reached), never a 64 MiB read per anonymous request (security review finding 3).
 */
export const MAX_UNINDEXED_CENTRAL_DIRECTORY = 8 * 1024 * 1024;
/** Slack for a local extra field longer than the central one (Info-ZIP, ZIP64 locals). */
const LOCAL_EXTRA_SLACK = 1024;
const LFH_FIXED = 30;

export interface ArchiveRef {
  readonly key: string;
  readonly size: number;
}

/** The range's bytes, read into one buffer of its length (no Response around the body, no second copy). */
async function readRange(storage: Storage, key: string, start: number, end: number): Promise<Uint8Array> {
  const body = await storage.read(key, { start, end });
  if (!body) throw new ArchiveNotFoundError(key);
  const bytes = new Uint8Array(end - start + 1);
  const reader = body.getReader();
  let at = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    if (at + next.value.length > bytes.length) {
      void reader.cancel().catch(() => {});
      throw new CorruptEntryError(`long read at ${start}`);
    }
    bytes.set(next.value, at);
    at += next.value.length;
  }
  if (at !== bytes.length) throw new CorruptEntryError(`short read at ${start}: ${at} bytes`);
  return bytes;
}

/**
 * The central directory as a stream of chunks: the part before the tail already read comes
 * from one bounded range read, chunk by chunk as storage sends it; the rest from the tail.
 */
async function* directoryChunks(
  storage: Storage,
  archive: ArchiveRef,
  location: CentralDirectoryLocation,
  tail: Uint8Array,
): AsyncGenerator<Uint8Array> {
  const tailStart = archive.size - tail.length;
  const end = location.offset + location.size;
  if (location.offset < tailStart) {
    const last = Math.min(end, tailStart) - 1;
    const body = await storage.read(archive.key, { start: location.offset, end: last });
    if (!body) throw new ArchiveNotFoundError(archive.key);
    const reader = body.getReader();
    let received = 0;
    try {
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        received += next.value.length;
        yield next.value;
      }
    } finally {
      // The scan stops once it has every record: let storage go.
      void reader.cancel().catch(() => {});
    }
    if (received !== last - location.offset + 1) throw new CorruptEntryError(`short read at ${location.offset}`);
  }
  if (end > tailStart) yield tail.subarray(Math.max(0, location.offset - tailStart), end - tailStart);
}

/**
 * Looks an entry up by exact name: one bounded read of the archive's tail, and a second only
 * for the part of the central directory the tail did not hold, at most
 * MAX_UNINDEXED_CENTRAL_DIRECTORY and scanned as it arrives. The archive's size comes from
 * the database, so there is no HEAD and no open-ended range. (An explicit range, not a suffix
 * range: some S3-compatible servers, s3rver among them, answer `bytes=-N` wrongly.)
 */
export async function lookupEntry(storage: Storage, archive: ArchiveRef, name: Uint8Array): Promise<ZipEntry | null> {
  if (archive.size < 22) throw new CorruptEntryError("archive is too small to be a zip");
  let tailStart = Math.max(0, archive.size - TAIL_READ);
  let tail = await readRange(storage, archive.key, tailStart, archive.size - 1);
  let location: CentralDirectoryLocation;
  try {
    location = locateCentralDirectory(tail, archive.size);
  } catch (error) {
    // Only an archive comment longer than the first read hides the end record from it.
    if (tailStart === 0 || archive.size - tailStart >= MAX_TAIL) throw error;
    tailStart = Math.max(0, archive.size - MAX_TAIL);
    tail = await readRange(storage, archive.key, tailStart, archive.size - 1);
    location = locateCentralDirectory(tail, archive.size);
  }
  if (location.size > MAX_UNINDEXED_CENTRAL_DIRECTORY) {
    throw new ZipLimitError(`central directory of ${location.size} bytes`);
  }
  const finder = new EntryFinder(name);
  await scanRecords(directoryChunks(storage, archive, location, tail), location, (record, buffer) =>
    finder.add(record, buffer),
  );
  return finder.result(location.offset);
}

/**
 * Every entry of an archive just uploaded, from the tail its upload kept (plus one streamed read
 * if needed). Refuses what cannot be indexed whole (NotAZipError), and archives past
 * `maxEntries` entries or MAX_CENTRAL_DIRECTORY bytes of directory (ZipLimitError) before
 * reading their directory.
 */
export async function indexArchive(
  storage: Storage,
  archive: ArchiveRef,
  end: { location: CentralDirectoryLocation; tail: Uint8Array },
  maxEntries = MAX_ENTRIES,
): Promise<ZipEntry[]> {
  const { location, tail } = end;
  if (location.entries > maxEntries) throw new ZipLimitError(`archive has ${location.entries} entries`);
  if (location.size > MAX_CENTRAL_DIRECTORY) throw new ZipLimitError(`central directory of ${location.size} bytes`);
  const builder = new IndexBuilder();
  const consumed = await scanRecords(directoryChunks(storage, archive, location, tail), location, (record, buffer) =>
    builder.add(record, buffer),
  );
  return builder.result(location, consumed);
}

export type { ByteRange } from "./decode";

/**
 * Largest entry (uncompressed, and stored or compressed) read whole: one bounded read of at most
 * WHOLE_ENTRY_READ bytes, decoded and checked in one call, answered from memory. A stream per
 * request (storage's, the inflater's, the answer's) cost a small file more CPU than its bytes.
 */
export const WHOLE_ENTRY_BYTES = 64 * 1024;
/** The read for a whole entry: its local header (name and extra field up to 64 KiB each) and data. */
export const WHOLE_ENTRY_READ = 2 * WHOLE_ENTRY_BYTES + 2 * 0xffff + LFH_FIXED;

/** Whether readWholeEntry takes this entry. */
export function readsWhole(entry: ZipEntry): boolean {
  return (
    entry.uncompressedSize <= WHOLE_ENTRY_BYTES &&
    entry.compressedSize <= WHOLE_ENTRY_BYTES &&
    entry.end - entry.localHeaderOffset <= WHOLE_ENTRY_READ
  );
}

/** Refuses what openEntry and readWholeEntry cannot decode. */
function checkDecodable(entry: ZipEntry): void {
  if (entry.flags & 0x1) throw new UnsupportedEntryError("encrypted entry");
  if (entry.method !== 0 && entry.method !== 8) throw new UnsupportedEntryError(`compression method ${entry.method}`);
  // A stored entry is its own bytes: sizes that differ are a lie, and a range past the smaller
  // one would leave the decoder nothing to take (found by `npm run fuzz`: it spun forever).
  if (entry.method === 0 && entry.compressedSize !== entry.uncompressedSize)
    throw new CorruptEntryError("stored entry sizes differ");
}

/**
 * A small entry's bytes (readsWhole), whole: one read from its local header to the next, the
 * header checked against the central record, decoded, CRC-32 and length checked, before anything
 * is answered.
 */
export async function readWholeEntry(storage: Storage, archive: ArchiveRef, entry: ZipEntry): Promise<Uint8Array> {
  checkDecodable(entry);
  const bytes = await readRange(storage, archive.key, entry.localHeaderOffset, entry.end - 1);
  return decodeWhole(bytes.subarray(checkHeader(bytes, entry)), entry);
}

/**
 * The entry's uncompressed bytes (or a range of them) from ONE bounded read between its local
 * header and the next one. Deflate is inflated as a stream (natively where the runtime can, else
 * fflate); store passes through; chunks of OUTPUT_CHUNK bytes or more (lib/zip/decode.ts).
 * Reading the whole entry, CRC-32 and length are checked at the end and the last bytes are held
 * back until they pass: a damaged entry errors the stream before the client has it all.
 */
export async function openEntry(
  storage: Storage,
  archive: ArchiveRef,
  entry: ZipEntry,
  range?: ByteRange,
): Promise<ReadableStream<Uint8Array>> {
  checkDecodable(entry);
  const stored = entry.method === 0;
  // A stored entry's range maps straight onto storage bytes; the local header's length is only
  // known once read, so the read allows some slack past the central record's extra length.
  const skip = stored && range ? range.start : 0;
  const lastByte =
    stored && range
      ? Math.min(
          entry.end - 1,
          entry.localHeaderOffset + LFH_FIXED + entry.name.length + entry.extraLength + LOCAL_EXTRA_SLACK + range.end,
        )
      : entry.end - 1;
  const read = await storage.read(archive.key, { start: entry.localHeaderOffset, end: lastByte });
  if (!read) throw new ArchiveNotFoundError(archive.key);
  const body = await checkedLocalHeader(read, entry);
  const verify = !range || (range.start === 0 && range.end === entry.uncompressedSize - 1);
  const window = range ? { start: range.start - skip, end: range.end - skip } : undefined;
  return decodeEntry(body, entry, { skip, window, verify });
}
