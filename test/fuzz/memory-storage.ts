import type { Storage } from "../../lib/platform/storage";

export interface Read {
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

/**
 * FOR THE FUZZ HARNESS ONLY: an object store in memory, so fast-check can run the zip reader on
 * hundreds of thousands of archives in minutes. These are property tests of the parser, not
 * integration tests: the reader against a real S3 server is tested in test/lib/zip and
 * test/functions. Only `read` is implemented (the reader uses nothing else); every read is
 * recorded so a property can bound it, a range outside the object throws (S3 answers 416), and
 * the body comes in chunks of `chunk` bytes so the decoder meets every split of its input.
 */
export function memoryStorage(objects: ReadonlyMap<string, Uint8Array>, chunk: number) {
  const reads: Read[] = [];
  const read = async (key: string, range?: { start: number; end: number }) => {
    const bytes = objects.get(key);
    if (!bytes) return null;
    const start = range?.start ?? 0;
    const end = range?.end ?? bytes.length - 1;
    reads.push({ key, start, end });
    if (
      !(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && start < bytes.length)
    ) {
      throw new RangeError(`read outside the object: ${start}-${end} of ${bytes.length}`);
    }
    const body = bytes.subarray(start, Math.min(end + 1, bytes.length));
    let at = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= body.length) return controller.close();
        controller.enqueue(body.slice(at, at + chunk));
        at += chunk;
      },
    });
  };
  const storage: Pick<Storage, "read"> = { read };
  return { storage: storage as Storage, reads };
}
