import { createHash } from "node:crypto";
import { concat } from "./bytes";
import { type CentralDirectoryLocation, hasZipMagic, locateCentralDirectory, MAX_TAIL, NotAZipError } from "./eocd";

/**
 * Bytes of central directory an upload keeps on its way to storage (about 90,000 entries of
 * usual names), so that indexing it reads nothing back: re-reading 6 MB of directory was about
 * a fifth of what indexing a 70,000-entry archive cost (issue 9 goal 5). A larger directory is
 * read back from storage, as a stream, once.
 */
export const KEPT_DIRECTORY = 8 * 1024 * 1024;

export interface ArchiveSummary {
  readonly size: number;
  readonly sha256: string;
  readonly centralDirectory: CentralDirectoryLocation;
  /** The archive's last bytes (at most KEPT_DIRECTORY + MAX_TAIL): usually the whole central directory. */
  readonly tail: Uint8Array;
}

/**
 * A pass-through stream that measures, hashes and checks an archive on its way to storage:
 * it fails (so the upload is abandoned) unless the bytes begin and end like a zip. Memory is
 * bounded by the tail it keeps (KEPT_DIRECTORY + MAX_TAIL), whatever the archive's size.
 */
export function inspectArchive(): {
  stream: TransformStream<Uint8Array, Uint8Array>;
  summary: Promise<ArchiveSummary>;
} {
  const hash = createHash("sha256");
  let size = 0;
  let head: Uint8Array = new Uint8Array(0);
  const tail = new TailWindow(KEPT_DIRECTORY + MAX_TAIL);
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
 * The last `capacity` bytes of a stream, in one buffer that grows by doubling until it holds
 * `capacity` bytes and then turns into a ring: each byte is copied a bounded number of times
 * however small the chunks (a tail rebuilt per chunk costs the square of their count, which an
 * upload trickled a byte at a time would turn into minutes of CPU), and a small stream never
 * allocates the whole capacity.
 */
export class TailWindow {
  private ring = new Uint8Array(0);
  private written = 0;

  constructor(private readonly capacity: number) {}

  push(chunk: Uint8Array): void {
    if (this.ring.length < this.capacity && this.written + chunk.length > this.ring.length) {
      // Still linear (nothing wrapped yet): grow, keeping what was written.
      const size = Math.min(this.capacity, Math.max(64 * 1024, 2 * this.ring.length, this.written + chunk.length));
      const grown = new Uint8Array(size);
      grown.set(this.ring.subarray(0, this.written));
      this.ring = grown;
    }
    const ring = this.ring;
    const capacity = ring.length;
    const bytes = chunk.length > capacity ? chunk.subarray(chunk.length - capacity) : chunk;
    const at = (this.written + chunk.length - bytes.length) % capacity;
    const first = Math.min(bytes.length, capacity - at);
    ring.set(bytes.subarray(0, first), at);
    ring.set(bytes.subarray(first), 0);
    this.written += chunk.length;
  }

  /** The bytes kept, oldest first. */
  bytes(): Uint8Array {
    const ring = this.ring;
    if (this.written <= ring.length) return ring.slice(0, this.written);
    const at = this.written % ring.length;
    const out = new Uint8Array(ring.length);
    out.set(ring.subarray(at));
    out.set(ring.subarray(0, at), ring.length - at);
    return out;
  }
}
