import { presignWindow } from "../platform/config";
import type { Services } from "../platform/services";
import { windowStart } from "../platform/storage";
import type { ArchiveRef } from "../zip/reader";
import { cacheControl, notModified, SHARED_MAX_AGE } from "./cache";

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
  const expiresIn = services.config.PRESIGN_EXPIRES_IN;
  // Signed at the start of the window (lib/platform/config.ts#presignWindow): within it every
  // redirect to this archive carries the same URL, which browsers and caches downstream reuse.
  const now = services.now();
  const signedAt = windowStart(now, presignWindow(services.config));
  const left = expiresIn - Math.floor((now.getTime() - signedAt.getTime()) / 1000);
  // A cached redirect must lapse well before the presigned URL in it does.
  const sharedFor = shared ? Math.min(SHARED_MAX_AGE.latest, Math.floor(left / 2)) : undefined;
  const unchanged = notModified(request, etag, sharedFor);
  if (unchanged) return unchanged;
  const head = request.method === "HEAD";
  const location = await services.storage.presignGet(archive.key, {
    expiresIn,
    method: head ? "HEAD" : "GET",
    filename: archive.fileName,
    signedAt,
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
