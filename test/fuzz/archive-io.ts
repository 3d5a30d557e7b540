import { inspectArchive } from "../../lib/zip/inspect";
import { type ArchiveRef, indexArchive } from "../../lib/zip/reader";
import { memoryStorage } from "./memory-storage";

export const KEY = "fuzz/artifacts.zip";

/** Reads a stream to its end: its bytes, or its error (whichever the reader meets). */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    chunks.push(next.value);
  }
  const all = Buffer.concat(chunks);
  return new Uint8Array(all.buffer, all.byteOffset, all.length);
}

/**
 * Pieces of `chunk` bytes, but no more than 64 pieces to an archive: one-byte pieces of a large
 * archive cost the run minutes and find nothing that small archives in one-byte pieces do not.
 */
const pieceSize = (bytes: Uint8Array, chunk: number) => Math.max(chunk, Math.ceil(bytes.length / 64));

/** An archive in the in-memory store, read in pieces of about `chunk` bytes. */
export function stored(bytes: Uint8Array, chunk: number) {
  const { storage, reads } = memoryStorage(new Map([[KEY, bytes]]), pieceSize(bytes, chunk));
  const archive: ArchiveRef = { key: KEY, size: bytes.length };
  return { storage, reads, archive };
}

/** What an upload does with the bytes: inspect them on their way in (in pieces), then index. */
export async function upload(bytes: Uint8Array, chunk: number) {
  const piece = pieceSize(bytes, chunk);
  const { stream, summary } = inspectArchive();
  const writing = (async () => {
    const writer = stream.writable.getWriter();
    for (let at = 0; at < bytes.length; at += piece) await writer.write(bytes.slice(at, at + piece));
    await writer.close();
  })();
  const passed = readAll(stream.readable);
  await Promise.allSettled([writing, passed]);
  const found = await summary;
  expectSame(await passed, bytes);
  const { storage, archive } = stored(bytes, chunk);
  return indexArchive(storage, archive, { location: found.centralDirectory, tail: found.tail });
}

function expectSame(a: Uint8Array, b: Uint8Array) {
  if (Buffer.compare(a, b) !== 0) throw new Error("inspectArchive changed the bytes passing through");
}
