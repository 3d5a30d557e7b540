import CRC32 from "crc-32";
import { Inflate } from "fflate";
import type { Storage } from "../platform/storage";
import { EntryFinder, IndexBuilder, MAX_ENTRIES, type ZipEntry } from "./central-directory";
import { scanRecords } from "./directory-scan";
import { type CentralDirectoryLocation, locateCentralDirectory, MAX_TAIL } from "./eocd";
import { ArchiveNotFoundError, CorruptEntryError, UnsupportedEntryError, ZipLimitError } from "./errors";
import { checkedLocalHeader } from "./local-header";

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
const LFH_SIG = 0x04034b50;
const LFH_FIXED = 30;

export interface ArchiveRef {
  readonly key: string;
  readonly size: number;
}

async function readRange(storage: Storage, key: string, start: number, end: number): Promise<Uint8Array> {
  const body = await storage.read(key, { start, end });
  if (!body) throw new ArchiveNotFoundError(key);
  const bytes = new Uint8Array(await new Response(body).arrayBuffer());
  if (bytes.length !== end - start + 1) throw new CorruptEntryError(`short read at ${start}: ${bytes.length} bytes`);
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

/** Inclusive byte range of the uncompressed entry. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The entry's uncompressed bytes (or a range of them) from ONE bounded read between its local
 * header and the next one. Deflate is inflated as a stream (fflate); store passes through.
 * Reading the whole entry, CRC-32 and length are checked at the end and the last bytes are held
 * back until they pass: a damaged entry errors the stream before the client has it all.
 */
export async function openEntry(
  storage: Storage,
  archive: ArchiveRef,
  entry: ZipEntry,
  range?: ByteRange,
): Promise<ReadableStream<Uint8Array>> {
  if (entry.flags & 0x1) throw new UnsupportedEntryError("encrypted entry");
  if (entry.method !== 0 && entry.method !== 8) throw new UnsupportedEntryError(`compression method ${entry.method}`);
  const stored = entry.method === 0;
  // A stored entry is its own bytes: sizes that differ are a lie, and a range past the smaller
  // one would leave the decoder nothing to take (found by `npm run fuzz`: it spun forever).
  if (stored && entry.compressedSize !== entry.uncompressedSize)
    throw new CorruptEntryError("stored entry sizes differ");
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

/**
 * Compressed bytes handed to the inflater at a time. Deflate expands at most ~1032:1, so one
 * slice decodes to about 2 MiB at worst; with output pulled one slice at a time, memory stays
 * bounded however well (or maliciously) the entry compresses.
 */
const INFLATE_SLICE = 2048;

function decodeEntry(
  source: ReadableStream<Uint8Array>,
  entry: ZipEntry,
  options: { skip: number; window: ByteRange | undefined; verify: boolean },
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const total = entry.uncompressedSize - options.skip;
  const window = options.window ?? { start: 0, end: total - 1 };
  // fflate's Inflate pushes output through a callback while the response pulls, so this state
  // carries across pulls: input not yet fed (input, headerDone, compressedLeft), output seen and
  // sent (produced, emitted, crc), the last piece held back until CRC-32 and length check out (a
  // damaged entry errors before its final bytes, ADR 0002), and the pull in progress (out, delivered).
  let input: Uint8Array = new Uint8Array(0);
  let headerDone = false;
  let compressedLeft = entry.compressedSize - options.skip;
  let produced = 0;
  let emitted = 0;
  let crc = 0;
  let held: Uint8Array | undefined;
  let finished = false;
  let out: ReadableStreamDefaultController<Uint8Array> | undefined;
  let delivered = false;

  const output = (data: Uint8Array) => {
    if (finished || data.length === 0 || !out) return;
    if (produced + data.length > total) throw new CorruptEntryError("entry is longer than its central record says");
    const from = produced;
    produced += data.length;
    if (options.verify) crc = CRC32.buf(data, crc);
    const lo = Math.max(0, window.start - from);
    const hi = Math.min(data.length, window.end - from + 1);
    if (hi > lo) {
      const piece = data.slice(lo, hi);
      emitted += piece.length;
      if (options.verify) {
        if (held) {
          out.enqueue(held);
          delivered = true;
        }
        held = piece;
      } else {
        out.enqueue(piece);
        delivered = true;
      }
    }
    if (!options.verify && produced > window.end) finished = true;
  };
  const inflater = entry.method === 8 ? new Inflate((data) => output(data)) : undefined;

  /** Feeds the next slice of input; false when the input must be refilled first. */
  const step = (): boolean => {
    if (!headerDone) {
      if (input.length < LFH_FIXED) return false;
      const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
      if (view.getUint32(0, true) !== LFH_SIG) throw new CorruptEntryError("local header signature missing");
      const dataStart = LFH_FIXED + view.getUint16(26, true) + view.getUint16(28, true) + options.skip;
      if (input.length < dataStart) return false;
      headerDone = true;
      input = input.subarray(dataStart);
    }
    if (compressedLeft === 0 || input.length === 0) return false;
    const take = input.subarray(0, Math.min(input.length, compressedLeft, INFLATE_SLICE));
    input = input.subarray(take.length);
    compressedLeft -= take.length;
    if (!inflater) {
      output(take);
      return true;
    }
    try {
      inflater.push(take, compressedLeft === 0);
    } catch (error) {
      if (error instanceof CorruptEntryError) throw error;
      throw new CorruptEntryError(`inflate failed: ${(error as Error).message}`);
    }
    return true;
  };

  const finish = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (!finished) {
      if (!headerDone || compressedLeft > 0) {
        throw new CorruptEntryError("entry is shorter than its central record says");
      }
      if (options.verify) {
        if (produced !== total) throw new CorruptEntryError("entry length does not match its central record");
        if (crc >>> 0 !== entry.crc32 >>> 0) throw new CorruptEntryError("entry CRC-32 does not match");
        if (held) controller.enqueue(held);
      } else if (emitted !== window.end - window.start + 1) {
        throw new CorruptEntryError("range ends early");
      }
    }
    finished = true;
    controller.close();
    void reader.cancel().catch(() => {});
  };

  return new ReadableStream<Uint8Array>(
    {
      // Each pull decodes until something is delivered (or the entry ends): one slice's worth.
      async pull(controller) {
        out = controller;
        delivered = false;
        try {
          while (!delivered) {
            if (finished || (headerDone && compressedLeft === 0)) return finish(controller);
            if (!step()) {
              const next = await reader.read();
              if (next.done) return finish(controller);
              input = input.length === 0 ? next.value : concat(input, next.value);
            }
          }
        } catch (error) {
          finished = true;
          controller.error(error);
          void reader.cancel(error).catch(() => {});
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
