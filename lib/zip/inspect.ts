import { createHash } from "node:crypto";
import { concat } from "./bytes";
import { type CentralDirectoryLocation, hasZipMagic, locateCentralDirectory, MAX_TAIL, NotAZipError } from "./eocd";

export interface ArchiveSummary {
  readonly size: number;
  readonly sha256: string;
  readonly centralDirectory: CentralDirectoryLocation;
  /** The archive's last bytes (at most MAX_TAIL): often the whole central directory. */
  readonly tail: Uint8Array;
}

/**
 * A pass-through stream that measures, hashes and checks an archive on its way to storage:
 * it fails (so the upload is abandoned) unless the bytes begin and end like a zip. Memory is
 * bounded by the tail it keeps (MAX_TAIL), whatever the archive's size.
 */
export function inspectArchive(): {
  stream: TransformStream<Uint8Array, Uint8Array>;
  summary: Promise<ArchiveSummary>;
} {
  const hash = createHash("sha256");
  let size = 0;
  let head: Uint8Array = new Uint8Array(0);
  const tail = new TailWindow(MAX_TAIL);
  let settle!: { resolve: (s: ArchiveSummary) => void; reject: (e: unknown) => void };
  const summary = new Promise<ArchiveSummary>((resolve, reject) => {
    settle = { resolve, reject };
  });
  summary.catch(() => {});
  const fail = (message: string) => {
    const error = new NotAZipError(message);
    settle.reject(error);
    return error;
  };
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (size < 4) {
        head = concat(head, chunk.subarray(0, 4 - size));
        if (head.length === 4 && !hasZipMagic(head)) throw fail("not a zip archive");
      }
      size += chunk.length;
      hash.update(chunk);
      tail.push(chunk);
      controller.enqueue(chunk);
    },
    flush() {
      if (size < 4) throw fail("not a zip archive");
      try {
        const last = tail.bytes();
        const centralDirectory = locateCentralDirectory(last, size);
        settle.resolve({ size, sha256: hash.digest("hex"), centralDirectory, tail: last });
      } catch (error) {
        settle.reject(error);
        throw error;
      }
    },
  });
  return { stream, summary };
}

/**
 * The last `capacity` bytes of a stream, in one buffer allocated once: each byte is copied at most
 * once however small the chunks (a tail rebuilt per chunk costs the square of their count, which
 * an upload trickled a byte at a time would turn into minutes of CPU).
 */
export class TailWindow {
  private ring: Uint8Array | undefined;
  private written = 0;

  constructor(private readonly capacity: number) {}

  push(chunk: Uint8Array): void {
    if (!this.ring) this.ring = new Uint8Array(this.capacity);
    const ring = this.ring;
    const bytes = chunk.length > this.capacity ? chunk.subarray(chunk.length - this.capacity) : chunk;
    const at = (this.written + chunk.length - bytes.length) % this.capacity;
    const first = Math.min(bytes.length, this.capacity - at);
    ring.set(bytes.subarray(0, first), at);
    ring.set(bytes.subarray(first), 0);
    this.written += chunk.length;
  }

  /** The bytes kept, oldest first. */
  bytes(): Uint8Array {
    const ring = this.ring ?? new Uint8Array(0);
    if (this.written <= this.capacity) return ring.slice(0, this.written);
    const at = this.written % this.capacity;
    const out = new Uint8Array(this.capacity);
    out.set(ring.subarray(at));
    out.set(ring.subarray(0, at), this.capacity - at);
    return out;
  }
}
