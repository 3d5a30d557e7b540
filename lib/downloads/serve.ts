import { sha256Hex } from "../auth/tokens";
import { ApiError } from "../errors";
import type { Services } from "../platform/services";
import type { ZipEntry } from "../zip/central-directory";
import { ArchiveNotFoundError } from "../zip/errors";
import { type ArchiveRef, type ByteRange, lookupEntry, openEntry } from "../zip/reader";
import { entryDisposition } from "./artifact-path";
import { OCTET_STREAM, SNIFF_BYTES, sniffedContentType, typeByExtension } from "./content-type";

/** GitLab's API responses are not cached by shared caches; clients revalidate with the ETag. */
const CACHE_CONTROL = "max-age=0, private, must-revalidate";

/**
 * How long shared caches may keep a public answer: short, so that deletions, expiry and a
 * project turning private reach the edge within minutes.
 */
export const SHARED_MAX_AGE = { file: 300, latest: 60 } as const;

/** Cache-Control for an answer; `sharedFor` seconds when anyone may read it, else private. */
function cacheControl(sharedFor: number | undefined): string {
  return sharedFor ? `public, max-age=${sharedFor}` : CACHE_CONTROL;
}

/** Workhorse's answers for archive-entry failures (Go's http.NotFound / http.Error). */
export const entryNotFound = (extra: Record<string, string> = {}) =>
  new ApiError(404, "404 page not found\n", { "X-Content-Type-Options": "nosniff", ...extra });
export const entryFailed = () => new ApiError(500, "Internal Server Error\n", { "X-Content-Type-Options": "nosniff" });

/** Does an If-None-Match header match this strong ETag? */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.trim() === "*" || header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

function notModified(etag: string, sharedFor: number | undefined): Response {
  return new Response(null, { status: 304, headers: { ETag: etag, "Cache-Control": cacheControl(sharedFor) } });
}

export interface ArchiveFile extends ArchiveRef {
  readonly sha256: string;
  readonly fileName: string;
}

/**
 * An archive download: 302 to a presigned URL (HEAD to a presigned HEAD URL), computed here
 * with no storage request, saving as the archive's file name. The archive never changes, so its
 * SHA-256 is a strong ETag and a matching If-None-Match is answered 304 at once.
 */
export async function redirectToArchive(
  services: Services,
  request: Request,
  archive: ArchiveFile,
  shared: boolean,
): Promise<Response> {
  const etag = `"${archive.sha256}"`;
  // A cached redirect must lapse well before the presigned URL in it does.
  const sharedFor = shared
    ? Math.min(SHARED_MAX_AGE.latest, Math.floor(services.config.PRESIGN_EXPIRES_IN / 2))
    : undefined;
  if (matches(request.headers.get("if-none-match") ?? undefined, etag)) return notModified(etag, sharedFor);
  const head = request.method === "HEAD";
  const location = await services.storage.presignGet(archive.key, {
    expiresIn: services.config.PRESIGN_EXPIRES_IN,
    method: head ? "HEAD" : "GET",
    filename: archive.fileName,
  });
  return new Response(head ? null : `This resource has been moved temporarily to ${location}.`, {
    status: 302,
    headers: {
      Location: location,
      "Content-Type": "text/plain",
      ETag: etag,
      "Cache-Control": cacheControl(sharedFor),
    },
  });
}

type RangeRequest = { kind: "none" } | { kind: "range"; range: ByteRange } | { kind: "unsatisfiable" };

/** One `bytes=` range (RFC 9110); several ranges, or anything else, is served whole. */
function parseRange(header: string | undefined, size: number): RangeRequest {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? "");
  if (!match || (match[1] === "" && match[2] === "")) return { kind: "none" };
  const [first, last] = [match[1] ?? "", match[2] ?? ""];
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "range", range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return { kind: "none" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "range", range: { start, end } };
}

/** Workers only send a Content-Length for a streamed body through a FixedLengthStream. */
function fixedLength(stream: ReadableStream<Uint8Array>, length: number): ReadableStream<Uint8Array> {
  const Fixed = (globalThis as { FixedLengthStream?: new (length: number) => TransformStream<Uint8Array, Uint8Array> })
    .FixedLengthStream;
  return Fixed ? stream.pipeThrough(new Fixed(length)) : stream;
}

/** Reads up to `n` bytes off the front of a stream; returns them and a stream of the whole. */
async function peek(stream: ReadableStream<Uint8Array>, n: number) {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const next = await reader.read();
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value);
    length += next.value.length;
  }
  const head = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    head.set(chunk, at);
    at += chunk.length;
  }
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head);
      if (done) controller.close();
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { head, rest, reader };
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

export type TypeRule = "extension" | "sniff";

/**
 * One file out of the archive, as Workhorse serves it, plus what Workhorse lacks: a strong
 * ETag (If-None-Match answered without touching storage), Range (206/416), Accept-Ranges.
 * Storage: one bounded read of the entry for an indexed archive; otherwise a tail read first
 * (two when the central directory is larger than the tail).
 */
export async function serveEntry(
  services: Services,
  request: Request,
  archive: ArchiveFile,
  path: { text: string; bytes: Uint8Array },
  rule: TypeRule,
  /** The entry from the archive's index (null: no such entry); undefined: read the zip's end. */
  indexed: ZipEntry | null | undefined,
  /** Seconds shared caches may keep the answer, when anyone may read it. */
  sharedFor: number | undefined,
): Promise<Response> {
  const etag = `"${sha256Hex(`${archive.sha256}:${path.text}`)}"`;
  if (matches(request.headers.get("if-none-match") ?? undefined, etag)) return notModified(etag, sharedFor);

  let entry: ZipEntry | null;
  try {
    entry = indexed === undefined ? await lookupEntry(services.storage, archive, path.bytes) : indexed;
  } catch (error) {
    if (error instanceof ArchiveNotFoundError) throw notFoundFor(rule);
    services.log.error("archive unreadable", { key: archive.key, cause: String(error) });
    throw entryFailed();
  }
  if (!entry) throw notFoundFor(rule);

  const size = entry.uncompressedSize;
  const ifRange = request.headers.get("if-range");
  const wanted =
    ifRange && ifRange !== etag
      ? { kind: "none" as const }
      : parseRange(request.headers.get("range") ?? undefined, size);
  const headers: Record<string, string> = {
    "Content-Disposition": entryDisposition(path.text),
    ETag: etag,
    "Accept-Ranges": "bytes",
    "Cache-Control": cacheControl(sharedFor),
  };
  if (wanted.kind === "unsatisfiable") {
    return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${size}` } });
  }
  const range = wanted.kind === "range" ? wanted.range : undefined;
  const length = range ? range.end - range.start + 1 : size;
  const status = range ? 206 : 200;
  if (range) headers["Content-Range"] = `bytes ${range.start}-${range.end}/${size}`;
  headers["Content-Length"] = String(length);

  if (rule === "extension") {
    headers["Content-Type"] = typeByExtension(path.text);
    if (request.method === "HEAD") return new Response(null, { status, headers });
    const body = await openOrFail(services, archive, entry, range);
    return new Response(fixedLength(body, length), { status, headers });
  }

  // Sniffing reads the start of the file, so a range is read from byte 0 and cut here.
  const prefix = range ? { start: 0, end: range.end } : undefined;
  const body = await openOrFail(services, archive, entry, prefix);
  let sniffed: Awaited<ReturnType<typeof peek>>;
  try {
    sniffed = await peek(body, Math.min(SNIFF_BYTES, size));
  } catch (error) {
    services.log.error("archive entry unreadable", { key: archive.key, cause: String(error) });
    throw entryFailed();
  }
  headers["Content-Type"] = size === 0 ? "text/plain; charset=utf-8" : sniffedContentType(sniffed.head) || OCTET_STREAM;
  if (request.method === "HEAD") {
    await sniffed.reader.cancel().catch(() => {});
    return new Response(null, { status, headers });
  }
  const out = range ? skipBytes(sniffed.rest, range.start) : sniffed.rest;
  return new Response(fixedLength(out, length), { status, headers });
}

function notFoundFor(rule: TypeRule): ApiError {
  // With sniffing on, Workhorse's content processor marks the 404 inline as well.
  return rule === "sniff" ? entryNotFound({ "Content-Disposition": "inline" }) : entryNotFound();
}

async function openOrFail(services: Services, archive: ArchiveRef, entry: ZipEntry, range?: ByteRange) {
  try {
    return await openEntry(services.storage, archive, entry, range);
  } catch (error) {
    if (error instanceof ArchiveNotFoundError) throw entryNotFound();
    services.log.error("archive entry unreadable", { key: archive.key, cause: String(error) });
    throw entryFailed();
  }
}
