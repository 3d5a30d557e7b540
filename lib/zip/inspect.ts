import { createHash } from "node:crypto";
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
  let tail: Uint8Array = new Uint8Array(0);
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
      tail = chunk.length >= MAX_TAIL ? chunk.slice(chunk.length - MAX_TAIL) : keepLast(concat(tail, chunk), MAX_TAIL);
      controller.enqueue(chunk);
    },
    flush() {
      if (size < 4) throw fail("not a zip archive");
      try {
        const centralDirectory = locateCentralDirectory(tail, size);
        settle.resolve({ size, sha256: hash.digest("hex"), centralDirectory, tail });
      } catch (error) {
        settle.reject(error);
        throw error;
      }
    },
  });
  return { stream, summary };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function keepLast(bytes: Uint8Array, n: number): Uint8Array {
  return bytes.length > n ? bytes.slice(bytes.length - n) : bytes;
}
