import { sha256Hex } from "../auth/tokens";
import { type ArchiveSurface, archiveFailure, workhorseNotFound } from "../errors";
import type { Services } from "../platform/services";
import type { ZipEntry } from "../zip/central-directory";
import { zipFailure } from "../zip/errors";
import { peek } from "../zip/peek";
import { type ByteRange, lookupEntry, openEntry, readsWhole, readWholeEntry } from "../zip/reader";
import type { ArchiveFile } from "./archive";
import { entryDisposition } from "./artifact-path";
import { cacheControl, notModified } from "./cache";
import { OCTET_STREAM, SNIFF_BYTES, sniffedContentType, typeByExtension } from "./content-type";
import { type CachedFile, edgeCopy } from "./edge-cache";
import type { IndexedEntry } from "./lookup";

/** How a file's Content-Type is chosen: by its extension (job file route) or sniffed (ref raw route). */
export type TypeRule = "extension" | "sniff";

export interface EntryRequest {
  readonly archive: ArchiveFile;
  readonly path: { readonly text: string; readonly bytes: Uint8Array };
  readonly type: TypeRule;
  readonly index: IndexedEntry;
  /** Seconds shared caches may keep the answer, when anyone may read it. */
  readonly sharedFor?: number;
  /** An anonymous request for a public file: served from, and kept in, the edge cache. */
  readonly edgeCached?: boolean;
}

/**
 * Bytes a ranged read of a deflated entry may inflate: a range ending further in is answered with
 * the whole file and 200 (RFC 9110 lets a server ignore Range), so the client, not the service,
 * pays for every decoded byte, as with GitLab, whose single-file routes have no Range at all
 * (workhorse internal/zipartifacts). Security review finding 2.
 */
export const MAX_RANGE_INFLATE_BYTES = 8 * 1024 * 1024;

/** Deflated entries decode from their first byte, so a range is served only while that stays bounded. */
export function boundedRange(wanted: RangeRequest, entry: ZipEntry): RangeRequest {
  if (wanted.kind !== "range" || entry.method === 0) return wanted;
  return wanted.range.end < MAX_RANGE_INFLATE_BYTES ? wanted : { kind: "none" };
}

export type RangeRequest = { kind: "none" } | { kind: "range"; range: ByteRange } | { kind: "unsatisfiable" };

/** One `bytes=` range (RFC 9110); several ranges, or anything else, is served whole. */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  // Only HTTP's whitespace around the value (RFC 9110 §5.5), not String#trim's (U+00A0, VT, ...).
  const match = /^[ \t]*bytes=(\d*)-(\d*)[ \t]*$/.exec(header ?? "");
  if (!match || (match[1] === "" && match[2] === "")) return { kind: "none" };
  const [first, last] = [match[1] ?? "", match[2] ?? ""];
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "range", range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  // Compared exactly: past 2^53 two different positions can be the same number.
  if (last !== "" && BigInt(last) < BigInt(first)) return { kind: "none" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "range", range: { start, end } };
}

/** Workers only send a Content-Length for a streamed body through a FixedLengthStream. */
export function fixedLength(stream: ReadableStream<Uint8Array>, length: number): ReadableStream<Uint8Array> {
  const Fixed = (globalThis as { FixedLengthStream?: new (length: number) => TransformStream<Uint8Array, Uint8Array> })
    .FixedLengthStream;
  return Fixed ? stream.pipeThrough(new Fixed(length)) : stream;
}

/**
 * The body as sent, after the status line: a failure reading the archive can no longer change
 * the answer (the connection is reset, ADR 0002), so it is logged here with its label.
 */
export function watched(
  stream: ReadableStream<Uint8Array>,
  failed: (error: unknown) => void,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  // A client that goes away while a read is pending closes this stream first: what that read
  // brings after is dropped, not a failure to log.
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (cancelled) return;
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (error) {
        if (cancelled) return;
        failed(error);
        controller.error(error);
      }
    },
    cancel: (reason) => {
      cancelled = true;
      return reader.cancel(reason);
    },
  });
}

/** The first `count` bytes of a stream; the rest is not read. */
function takeBytes(stream: ReadableStream<Uint8Array>, count: number): ReadableStream<Uint8Array> {
  let left = count;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(chunk.subarray(0, left));
        left -= Math.min(left, chunk.length);
        if (left === 0) controller.terminate();
      },
    }),
  );
}

/** Drops the first `skip` bytes of a stream. */
function skipBytes(stream: ReadableStream<Uint8Array>, skip: number): ReadableStream<Uint8Array> {
  let left = skip;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (left >= chunk.length) {
          left -= chunk.length;
          return;
        }
        controller.enqueue(chunk.subarray(left));
        left = 0;
      },
    }),
  );
}

/** The Range asked for, unless an If-Range names another version (then the whole file). */
function wantedRange(request: Request, etag: string, size: number): RangeRequest {
  const ifRange = request.headers.get("if-range");
  if (ifRange && ifRange !== etag) return { kind: "none" };
  return parseRange(request.headers.get("range") ?? undefined, size);
}

/** The status and length for `wanted`, with their headers set; a 416 when nothing can be sent. */
function sized(
  headers: Record<string, string>,
  wanted: RangeRequest,
  size: number,
): Response | { status: 200 | 206; range?: ByteRange; length: number } {
  if (wanted.kind === "unsatisfiable") {
    return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${size}` } });
  }
  const range = wanted.kind === "range" ? wanted.range : undefined;
  const length = range ? range.end - range.start + 1 : size;
  if (range) headers["Content-Range"] = `bytes ${range.start}-${range.end}/${size}`;
  headers["Content-Length"] = String(length);
  return range ? { status: 206, range, length } : { status: 200, length };
}

/** A file from the edge cache's copy: no storage request, ranges cut from the copy. */
async function fromCopy(
  request: Request,
  headers: Record<string, string>,
  etag: string,
  copy: CachedFile,
): Promise<Response> {
  const answer = sized(headers, wantedRange(request, etag, copy.size), copy.size);
  if (answer instanceof Response || request.method === "HEAD") await copy.body.cancel().catch(() => {});
  if (answer instanceof Response) return answer;
  headers["Content-Type"] = copy.contentType;
  const { status, range, length } = answer;
  if (request.method === "HEAD") return new Response(null, { status, headers });
  const body = range ? skipBytes(takeBytes(copy.body, range.end + 1), range.start) : copy.body;
  return new Response(fixedLength(body, length), { status, headers });
}

/** The ref raw route's type for a file of `size` bytes starting with `head`. */
const sniffedType = (head: Uint8Array, size: number) =>
  size === 0 ? "text/plain; charset=utf-8" : sniffedContentType(head) || OCTET_STREAM;

/**
 * One file out of the archive, as Workhorse serves it, plus what Workhorse lacks: a strong
 * ETag (If-None-Match answered without touching storage), Range (206/416), Accept-Ranges.
 * Storage: one bounded read of the entry for an indexed archive; otherwise a tail read first
 * (two when the central directory is larger than the tail). None for a public file the edge
 * cache holds (lib/downloads/edge-cache.ts).
 */
export async function serveEntry(services: Services, request: Request, file: EntryRequest): Promise<Response> {
  const { archive, path, type, index, sharedFor } = file;
  const etag = `"${sha256Hex(`${archive.sha256}:${path.text}`)}"`;
  const unchanged = notModified(request, etag, sharedFor);
  if (unchanged) return unchanged;
  const headers: Record<string, string> = {
    "Content-Disposition": entryDisposition(path.text),
    ETag: etag,
    "Accept-Ranges": "bytes",
    "Cache-Control": cacheControl(sharedFor),
  };
  const edge =
    file.edgeCached && services.edgeCache
      ? edgeCopy(services.edgeCache, request, { etag, type }, services.log)
      : undefined;
  const copy = await edge?.match();
  if (copy) return fromCopy(request, headers, etag, copy);

  // With sniffing on, Workhorse's content processor marks the 404 inline as well.
  const surface: ArchiveSurface = { kind: "entry", inline: type === "sniff" };
  // Whatever fails while reading the archive gets the one mapped answer (lib/errors.ts).
  const reading = <T>(step: Promise<T>): Promise<T> =>
    step.catch((error: unknown) => {
      throw archiveFailure(error, surface, { key: archive.key });
    });
  const midAnswer = (error: unknown) =>
    services.log.error("archive read failed mid-answer", {
      failure: zipFailure(error),
      key: archive.key,
      cause: error,
    });
  let entry: ZipEntry | null = index.kind === "found" ? { ...index.entry, name: path.bytes } : null;
  if (index.kind === "unindexed") entry = await reading(lookupEntry(services.storage, archive, path.bytes));
  if (!entry) throw workhorseNotFound(surface);

  const size = entry.uncompressedSize;
  const answer = sized(headers, boundedRange(wantedRange(request, etag, size), entry), size);
  if (answer instanceof Response) return answer;
  const { status, range, length } = answer;
  // Only a whole file is stored: the copy answers ranges by itself.
  const sent = (body: ReadableStream<Uint8Array>, contentType: string) =>
    edge && !range ? edge.keep(body, { size, contentType }) : body;

  // A small entry is read, decoded and checked whole before the answer: no stream on the way.
  const whole = readsWhole(entry) ? () => reading(readWholeEntry(services.storage, archive, entry)) : undefined;
  const fromMemory = (bytes: Uint8Array) => {
    const cut = range ? bytes.subarray(range.start, range.end + 1) : bytes;
    if (!edge || range) return new Response(cut, { status, headers });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        if (cut.length > 0) controller.enqueue(cut);
        controller.close();
      },
    });
    return new Response(fixedLength(sent(body, headers["Content-Type"] ?? OCTET_STREAM), length), { status, headers });
  };

  if (type === "extension") {
    headers["Content-Type"] = typeByExtension(path.text);
    if (request.method === "HEAD") return new Response(null, { status, headers });
    if (whole) return fromMemory(await whole());
    const body = await reading(openEntry(services.storage, archive, entry, range));
    return new Response(fixedLength(sent(watched(body, midAnswer), headers["Content-Type"]), length), {
      status,
      headers,
    });
  }

  if (whole) {
    const bytes = await whole();
    headers["Content-Type"] = sniffedType(bytes.subarray(0, SNIFF_BYTES), size);
    return request.method === "HEAD" ? new Response(null, { status, headers }) : fromMemory(bytes);
  }
  // Sniffing reads the start of the file, so a range is read from byte 0 and cut here.
  const prefix = range ? { start: 0, end: range.end } : undefined;
  const body = await reading(openEntry(services.storage, archive, entry, prefix));
  const sniffed = await reading(peek(body, Math.min(SNIFF_BYTES, size)));
  headers["Content-Type"] = sniffedType(sniffed.head, size);
  if (request.method === "HEAD") {
    await sniffed.reader.cancel().catch(() => {});
    return new Response(null, { status, headers });
  }
  const out = range ? skipBytes(sniffed.rest, range.start) : sniffed.rest;
  return new Response(fixedLength(sent(watched(out, midAnswer), headers["Content-Type"]), length), { status, headers });
}
