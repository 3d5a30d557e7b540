import { notFound } from "../errors";
import { ARCHIVE_CONTENT_TYPE } from "../ingest/keys";
import type { Services } from "../platform/services";
import { attachmentDisposition } from "../platform/storage";
import type { ArchiveFile } from "./archive";
import { fixedLength, parseRange, watched } from "./entry";

/** Storage's body ended before, or ran past, the archive's recorded size. */
export class ArchiveLengthError extends Error {
  override name = "ArchiveLengthError";
}

/**
 * The stream, failed when it does not carry exactly `length` bytes: Node sends a short body
 * under a longer Content-Length as if it were whole, so the count is checked here on every runtime.
 */
function exactly(stream: ReadableStream<Uint8Array>, length: number): ReadableStream<Uint8Array> {
  let seen = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.length;
        if (seen > length) throw new ArchiveLengthError(`storage sent more than ${length} bytes`);
        controller.enqueue(chunk);
      },
      flush() {
        if (seen !== length) throw new ArchiveLengthError(`storage sent ${seen} of ${length} bytes`);
      },
    }),
  );
}

/**
 * The archive streamed by the service instead of a 302, as GitLab answers with `proxy_download`
 * (present_carrierwave_file! hands Workhorse a send-url, and workhorse/internal/sendurl/sendurl.go
 * GETs the object, forwarding Range and If-Range, and relays the status, 200/206/416, with
 * storage's headers except the cache ones Rails set). Here the headers come from the archive's
 * row (size, type, the saved name the presigned URL would have set), so HEAD reads nothing; a GET
 * is one storage read of the wanted bytes only, whose chunks pass through (memory does not follow
 * the archive's size). Storage failing before the answer is a 503 (lib/platform/unavailable.ts),
 * an object gone is GitLab's `not_found!`, and a failure mid-body resets the connection.
 */
export async function streamArchive(
  services: Services,
  request: Request,
  archive: ArchiveFile,
  base: Record<string, string>,
): Promise<Response> {
  const etag = base.ETag;
  const ifRange = request.headers.get("if-range");
  const wanted =
    ifRange && ifRange !== etag
      ? { kind: "none" as const }
      : parseRange(request.headers.get("range") ?? undefined, archive.size);
  const headers: Record<string, string> = {
    ...base,
    "Content-Type": ARCHIVE_CONTENT_TYPE,
    "Content-Disposition": attachmentDisposition(archive.fileName),
    "Accept-Ranges": "bytes",
  };
  if (wanted.kind === "unsatisfiable") {
    return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${archive.size}` } });
  }
  const range = wanted.kind === "range" ? wanted.range : undefined;
  const length = range ? range.end - range.start + 1 : archive.size;
  const status = range ? 206 : 200;
  if (range) headers["Content-Range"] = `bytes ${range.start}-${range.end}/${archive.size}`;
  headers["Content-Length"] = String(length);
  if (request.method === "HEAD") return new Response(null, { status, headers });

  const body = await services.storage.read(archive.key, range);
  if (!body) throw notFound();
  const failed = (error: unknown) =>
    services.log.error("archive stream failed mid-answer", { key: archive.key, cause: error });
  return new Response(fixedLength(watched(exactly(body, length), failed), length), { status, headers });
}
