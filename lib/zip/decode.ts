import CRC32 from "crc-32";
import { Inflate } from "fflate";
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
export const MAX_FALLBACK_BURST = FALLBACK_SLICE * 1032;

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

/**
 * The entry's data after its local header, exactly as many bytes as the central record says are
 * left (fewer is an error), as storage sends them: no copy unless the header straddles chunks.
 */
async function* entryData(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  skip: number,
  length: number,
): AsyncGenerator<Uint8Array> {
  let head: Uint8Array = new Uint8Array(0);
  let dataStart = -1;
  let left = length;
  try {
    while (dataStart < 0 || left > 0) {
      const next = await reader.read();
      if (next.done) throw new CorruptEntryError("entry is shorter than its central record says");
      let chunk = next.value;
      if (dataStart < 0) {
        head = head.length === 0 ? chunk : concat(head, chunk);
        if (head.length < LFH_FIXED) continue;
        const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
        if (view.getUint32(0, true) !== LFH_SIG) throw new CorruptEntryError("local header signature missing");
        const start = LFH_FIXED + view.getUint16(26, true) + view.getUint16(28, true) + skip;
        if (head.length < start) continue;
        dataStart = start;
        chunk = head.subarray(start);
      }
      if (chunk.length === 0) continue;
      const piece = chunk.length > left ? chunk.subarray(0, left) : chunk;
      left -= piece.length;
      yield piece;
    }
  } finally {
    // Done, stopped early or failed: let storage go.
    void reader.cancel().catch(() => {});
  }
}

/** Native inflate, under backpressure: the runtime decodes only as fast as the answer is read. */
async function* nativeInflate(compressed: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  const input = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await compressed.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: async () => {
        await compressed.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
  const reader = input.pipeThrough(new DecompressionStream("deflate-raw")).getReader();
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    void reader.cancel().catch(() => {});
  }
}

/** fflate, one FALLBACK_SLICE at a time. */
async function* fallbackInflate(compressed: AsyncGenerator<Uint8Array>, length: number): AsyncGenerator<Uint8Array> {
  let pieces: Uint8Array[] = [];
  const inflater = new Inflate((data) => {
    if (data.length > 0) pieces.push(data);
  });
  let fed = 0;
  for await (const chunk of compressed) {
    for (let at = 0; at < chunk.length; at += FALLBACK_SLICE) {
      const slice = chunk.subarray(at, at + FALLBACK_SLICE);
      fed += slice.length;
      inflater.push(slice, fed === length);
      yield* pieces;
      pieces = [];
    }
  }
}

async function* inflated(compressed: AsyncGenerator<Uint8Array>, length: number): AsyncGenerator<Uint8Array> {
  if (length === 0) return;
  try {
    if (typeof DecompressionStream === "function") yield* nativeInflate(compressed);
    else yield* fallbackInflate(compressed, length);
  } catch (error) {
    if (error instanceof CorruptEntryError) throw error;
    throw new CorruptEntryError(`inflate failed: ${(error as Error).message}`);
  }
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
  const data = entryData(source.getReader(), options.skip, length);
  const pieces = entry.method === 8 ? inflated(data, length) : data;
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
    if (options.verify) crc = CRC32.buf(piece, crc);
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
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          while (ready.length === 0 && !done) {
            const next = await pieces.next();
            if (next.done || take(next.value)) {
              done = true;
              finish();
            }
          }
          for (const chunk of ready) controller.enqueue(chunk);
          ready = [];
          if (done) {
            controller.close();
            void pieces.return(undefined).catch(() => {});
          }
        } catch (error) {
          done = true;
          controller.error(error);
          void pieces.return(undefined).catch(() => {});
        }
      },
      cancel: async () => {
        done = true;
        await pieces.return(undefined).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}
