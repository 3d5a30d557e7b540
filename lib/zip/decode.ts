import { Duplex } from "node:stream";
import zlib from "node:zlib";
import CRC32 from "crc-32";
import { Inflate, inflateSync } from "fflate";
import { StorageTimeoutError } from "../platform/storage";
import { concat } from "./bytes";
import type { ZipEntry } from "./central-directory";
import { CorruptEntryError } from "./errors";

const LFH_SIG = 0x04034b50;
const LFH_FIXED = 30;

/**
 * Size of the chunks written out: smaller decoded pieces are gathered up to this before they are
 * sent (one copy), and a piece already this large passes through as it is, uncopied (unless
 * something was gathered before it: then the two go out as one). Every chunk but the last is at
 * least this large. Fewer, larger writes: 2 KiB pieces cost about 25,600 socket writes per 50 MiB.
 */
export const OUTPUT_CHUNK = 64 * 1024;
/**
 * Compressed bytes handed to fflate at a time, where the runtime has no native
 * `DecompressionStream('deflate-raw')`. Deflate expands at most ~1032:1, so one slice decodes to
 * at most MAX_FALLBACK_BURST bytes, however well (or maliciously) the entry compresses.
 */
export const FALLBACK_SLICE = 2048;
/**
 * Where Node's zlib inflates (Node, not workerd): its output chunks are at most INFLATE_CHUNK
 * bytes, and it runs ahead of the reader by at most INFLATE_AHEAD bytes buffered in the Node
 * stream and as many in the web adapter's queue, plus the chunk being filled, whatever the
 * compression ratio. Far above zlib's 16 KiB default (which Node's DecompressionStream keeps):
 * every chunk is a trip to zlib's thread and back, 16,384 of them for a 256 MiB entry, and on a
 * busy machine those trips, not inflating, were most of the time (test/bench/entry-decode.ts).
 */
export const INFLATE_CHUNK = 1024 * 1024;
export const INFLATE_AHEAD = 2 * 1024 * 1024;
export const MAX_FALLBACK_BURST = FALLBACK_SLICE * 1032;
/**
 * Where Node's zlib inflates, a deflated entry this large or smaller (compressed and uncompressed)
 * read whole (not a range) has its compressed bytes read at once and inflated in one call on the
 * request's thread, at most one byte past its central size: no trip to zlib's thread and back per
 * piece, which on a busy machine took longer than inflating (a 2 MiB text: 12 ms streamed, 4 ms
 * whole; median of 30 on two loaded cores). Held at once: at most this much compressed and this
 * much (plus one) out.
 */
export const WHOLE_INFLATE_MAX = 4 * 1024 * 1024;

/**
 * CRC-32 by the runtime's zlib where it has one (Node 20.15+, workerd's node:zlib): native, many
 * times the speed of the crc-32 package, which stays as the fallback. Both continue from `seed`.
 */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, seed: number) => number }).crc32;
const crc32: (data: Uint8Array, seed: number) => number =
  typeof nativeCrc32 === "function" ? nativeCrc32 : (data, seed) => CRC32.buf(data, seed) >>> 0;

/** Inclusive byte range of the uncompressed entry. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface DecodeOptions {
  /** Stored bytes already skipped by the read (a stored range starts mid-entry). */
  readonly skip: number;
  readonly window: ByteRange | undefined;
  /** Whole entry: CRC-32 and length are checked, and the last chunk is held until they pass. */
  readonly verify: boolean;
}

/** What the decoder reads pieces from: a stream's reader, or entryData's slicing of one. */
interface Pieces {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(): Promise<void>;
}

/**
 * The entry's data after its local header, exactly as many bytes as the central record says are
 * left (fewer is an error), as storage sends them: no copy unless the header straddles chunks.
 * Read straight off storage's reader: for a stored entry this is the whole path, and every
 * stream a chunk passes through in Node costs it a few promises.
 */
function entryData(source: ReadableStream<Uint8Array>, skip: number, length: number): Pieces {
  const reader = source.getReader();
  let head: Uint8Array = new Uint8Array(0);
  let dataStart = -1;
  let left = length;
  return {
    async read() {
      while (dataStart < 0 || left > 0) {
        const next = await reader.read();
        if (next.done) throw new CorruptEntryError("entry is shorter than its central record says");
        let piece = next.value;
        if (dataStart < 0) {
          head = head.length === 0 ? piece : concat(head, piece);
          if (head.length < LFH_FIXED) continue;
          const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
          if (view.getUint32(0, true) !== LFH_SIG) throw new CorruptEntryError("local header signature missing");
          const start = LFH_FIXED + view.getUint16(26, true) + view.getUint16(28, true) + skip;
          if (head.length < start) continue;
          dataStart = start;
          piece = head.subarray(start);
          head = new Uint8Array(0);
        }
        if (piece.length === 0) continue;
        if (piece.length > left) piece = piece.subarray(0, left);
        left -= piece.length;
        return { done: false, value: piece };
      }
      // All of it: storage may go (the bounded read ends at the next header anyway).
      void reader.cancel().catch(() => {});
      return { done: true, value: undefined };
    },
    cancel: () => reader.cancel(),
  };
}

/** Pieces as a stream, pulled one at a time, for an inflater to be piped from. */
function piecesStream(pieces: Pieces): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await pieces.read();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: () => pieces.cancel(),
    },
    { highWaterMark: 0 },
  );
}

/**
 * fflate, one FALLBACK_SLICE at a time, pulled: each pull inflates slices only until one gives
 * output, so what is held is at most one slice's output (MAX_FALLBACK_BURST).
 */
function fallbackInflate(compressed: ReadableStream<Uint8Array>, length: number): ReadableStream<Uint8Array> {
  const reader = compressed.getReader();
  let pieces: Uint8Array[] = [];
  const inflater = new Inflate((data) => {
    if (data.length > 0) pieces.push(data);
  });
  let chunk: Uint8Array = new Uint8Array(0);
  let at = 0;
  let fed = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        while (pieces.length === 0) {
          if (at >= chunk.length) {
            const next = await reader.read();
            if (next.done) return controller.close();
            chunk = next.value;
            at = 0;
          }
          const slice = chunk.subarray(at, at + FALLBACK_SLICE);
          at += slice.length;
          fed += slice.length;
          inflater.push(slice, fed === length);
        }
        for (const piece of pieces) controller.enqueue(piece);
        pieces = [];
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/**
 * The entry's data read whole and inflated in one native call (Node's zlib), as one piece: at
 * most `total + 1` bytes out, whatever the data inflates to, so the length check sees an entry
 * longer than its record and a bomb is stopped by zlib at that bound.
 */
function inflatedWhole(data: Pieces, length: number, total: number): Pieces {
  let done = false;
  return {
    async read() {
      if (done) return { done: true, value: undefined };
      done = true;
      const compressed = new Uint8Array(length);
      let at = 0;
      for (let next = await data.read(); !next.done; next = await data.read()) {
        compressed.set(next.value, at);
        at += next.value.length;
      }
      return { done: false, value: inflateAtMost(compressed, total) };
    },
    cancel: () => data.cancel(),
  };
}

/**
 * Deflated data inflated in one call, at most `total + 1` bytes out whatever it inflates to, so a
 * length check sees an entry longer than its record and a bomb stops at that bound: Node's zlib
 * (one native call, no trip to its thread), else fflate into a buffer of that size.
 */
function inflateAtMost(compressed: Uint8Array, total: number): Uint8Array {
  const limit = total + 1;
  if (nodeZlib()) return zlib.inflateRawSync(compressed, { chunkSize: Math.max(64, limit), maxOutputLength: limit });
  return inflateSync(compressed, { out: new Uint8Array(limit) });
}

/** Node's zlib, as opposed to workerd's node:zlib (which has a native DecompressionStream instead). */
const nodeZlib = () =>
  (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent !== "Cloudflare-Workers" &&
  typeof zlib?.createInflateRaw === "function" &&
  typeof Duplex?.toWeb === "function";

/**
 * The inflater each runtime does fastest (test/bench/entry-decode.ts): workerd's own
 * DecompressionStream (native, in-process); Node's zlib with INFLATE_CHUNK output buffers (the
 * same zlib as Node's DecompressionStream, with larger buffers); else fflate. The native
 * ones are piped: they decode as fast as the answer is read.
 */
function inflated(compressed: ReadableStream<Uint8Array>, length: number): ReadableStream<Uint8Array> {
  if (nodeZlib()) {
    // zlib hands its options on to its Transform; the types only know the zlib ones.
    const options: zlib.ZlibOptions & { readableHighWaterMark: number } = {
      chunkSize: INFLATE_CHUNK,
      readableHighWaterMark: INFLATE_AHEAD,
    };
    const pair = Duplex.toWeb(zlib.createInflateRaw(options));
    return compressed.pipeThrough(pair as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
  }
  if (typeof DecompressionStream === "function") return compressed.pipeThrough(new DecompressionStream("deflate-raw"));
  return fallbackInflate(compressed, length);
}

/** What the inflater threw (zlib's "invalid stored block lengths", fflate's codes) as a corrupt entry. */
const inflateFailure = (error: unknown) =>
  error instanceof CorruptEntryError || error instanceof StorageTimeoutError
    ? error
    : new CorruptEntryError(`inflate failed: ${(error as Error)?.message ?? String(error)}`);

/**
 * A whole entry's data (what follows its local header) decoded in one call and checked: CRC-32
 * and length. For entries of at most WHOLE_ENTRY_BYTES (lib/zip/reader.ts): one call inflates such
 * an entry in microseconds where a stream through zlib cost about 0.25 ms of CPU; at most the
 * central record's size plus one byte comes out (inflateAtMost), so one that inflates longer fails.
 */
export function decodeWhole(data: Uint8Array, entry: ZipEntry): Uint8Array {
  if (data.length < entry.compressedSize) throw new CorruptEntryError("entry is shorter than its central record says");
  const compressed = data.subarray(0, entry.compressedSize);
  let decoded = compressed;
  if (entry.method === 8) {
    try {
      decoded = inflateAtMost(compressed, entry.uncompressedSize);
    } catch (error) {
      throw inflateFailure(error);
    }
  }
  if (decoded.length !== entry.uncompressedSize)
    throw new CorruptEntryError("entry length does not match its central record");
  if (crc32(decoded, 0) >>> 0 !== entry.crc32 >>> 0) throw new CorruptEntryError("entry CRC-32 does not match");
  return decoded;
}

/**
 * The entry's uncompressed bytes (or the window of them) from a read that starts at its local
 * header, in chunks of OUTPUT_CHUNK bytes or more. Deflate is inflated natively where the runtime
 * can (fflate otherwise); stored bytes pass through. Pulled one chunk at a time (highWaterMark
 * 0), so what is held stays bounded whatever the compression ratio.
 */
export function decodeEntry(
  source: ReadableStream<Uint8Array>,
  entry: ZipEntry,
  options: DecodeOptions,
): ReadableStream<Uint8Array> {
  const total = entry.uncompressedSize - options.skip;
  const window = options.window ?? { start: 0, end: total - 1 };
  const length = entry.compressedSize - options.skip;
  const data = entryData(source, options.skip, length);
  const deflated = entry.method === 8 && length > 0;
  // Only the whole entry: a range stops inflating at its end, which may be far before.
  const whole = deflated && options.verify && length <= WHOLE_INFLATE_MAX && total <= WHOLE_INFLATE_MAX && nodeZlib();
  const pieces: Pieces = !deflated
    ? data
    : whole
      ? inflatedWhole(data, length, total)
      : inflated(piecesStream(data), length).getReader();
  // Output seen (produced, crc) and sent (emitted); small pieces gathered in `pending`; the last
  // chunk held back until CRC-32 and length check out (a damaged entry errors before its final
  // bytes, ADR 0002).
  let produced = 0;
  let emitted = 0;
  let crc = 0;
  let pending: Uint8Array | undefined;
  let fill = 0;
  let held: Uint8Array | undefined;
  let ready: Uint8Array[] = [];

  const emit = (chunk: Uint8Array) => {
    emitted += chunk.length;
    if (!options.verify) ready.push(chunk);
    else {
      if (held) ready.push(held);
      held = chunk;
    }
  };
  const gather = (piece: Uint8Array) => {
    if (piece.length >= OUTPUT_CHUNK) {
      // Large already (storage's own chunks, mostly): sent as it is, or joined to what was
      // gathered before it (one copy, and the pieces after it are aligned again).
      if (!pending || fill === 0) return emit(piece);
      const joined = new Uint8Array(fill + piece.length);
      joined.set(pending.subarray(0, fill));
      joined.set(piece, fill);
      pending = undefined;
      fill = 0;
      return emit(joined);
    }
    let rest = piece;
    while (rest.length > 0) {
      pending ??= new Uint8Array(OUTPUT_CHUNK);
      const room = Math.min(OUTPUT_CHUNK - fill, rest.length);
      pending.set(rest.subarray(0, room), fill);
      fill += room;
      rest = rest.subarray(room);
      if (fill === OUTPUT_CHUNK) {
        emit(pending);
        pending = undefined;
        fill = 0;
      }
    }
  };
  const take = (piece: Uint8Array): boolean => {
    if (produced + piece.length > total) throw new CorruptEntryError("entry is longer than its central record says");
    const from = produced;
    produced += piece.length;
    if (options.verify) crc = crc32(piece, crc);
    const lo = Math.max(0, window.start - from);
    const hi = Math.min(piece.length, window.end - from + 1);
    if (hi > lo) gather(piece.subarray(lo, hi));
    // A window ends before the entry does: stop decoding there.
    return !options.verify && produced > window.end;
  };
  const finish = () => {
    if (pending && fill > 0) emit(pending.subarray(0, fill));
    pending = undefined;
    if (options.verify) {
      if (produced !== total) throw new CorruptEntryError("entry length does not match its central record");
      if (crc >>> 0 !== entry.crc32 >>> 0) throw new CorruptEntryError("entry CRC-32 does not match");
      if (held) ready.push(held);
      held = undefined;
    } else if (emitted !== window.end - window.start + 1) {
      throw new CorruptEntryError("range ends early");
    }
  };

  let done = false;
  const stop = () => {
    done = true;
    void pieces.cancel().catch(() => {});
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          while (ready.length === 0 && !done) {
            let next: ReadableStreamReadResult<Uint8Array>;
            try {
              next = await pieces.read();
            } catch (error) {
              throw deflated ? inflateFailure(error) : error;
            }
            if (next.done || take(next.value)) {
              done = true;
              finish();
            }
          }
          for (const chunk of ready) controller.enqueue(chunk);
          ready = [];
          if (done) {
            controller.close();
            stop();
          }
        } catch (error) {
          controller.error(error);
          stop();
        }
      },
      cancel: stop,
    },
    { highWaterMark: 0 },
  );
}
