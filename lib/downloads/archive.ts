import { type Config, presignWindow } from "../platform/config";
import type { Services } from "../platform/services";
import { type Storage, windowStart } from "../platform/storage";
import type { ArchiveRef } from "../zip/reader";
import { cacheControl, notModified, SHARED_MAX_AGE } from "./cache";
import { streamArchive } from "./proxy";

/**
 * Presigned URLs kept per storage client. Inside one PRESIGN_WINDOW an archive's URL is the same
 * byte for byte (signed at the window's start), so a repeat 302 reuses it instead of signing
 * again (SigV4 by WebCrypto was the largest cost of a 302). The oldest go first past the bound.
 */
const PRESIGNED_KEPT = 1000;
const presigned = new WeakMap<Storage, Map<string, string>>();

type PresignOptions = Parameters<Storage["presignGet"]>[1] & { signedAt: Date };

async function presignedOnce(storage: Storage, key: string, options: PresignOptions): Promise<string> {
  const kept = presigned.get(storage) ?? new Map<string, string>();
  presigned.set(storage, kept);
  const id = JSON.stringify([key, options.method, options.filename, options.expiresIn, options.signedAt.getTime()]);
  const found = kept.get(id);
  if (found !== undefined) return found;
  const url = await storage.presignGet(key, options);
  if (kept.size >= PRESIGNED_KEPT) kept.delete(kept.keys().next().value as string);
  kept.set(id, url);
  return url;
}

export interface ArchiveFile extends ArchiveRef {
  readonly sha256: string;
  readonly fileName: string;
}

/**
 * Whether the service streams the archive rather than redirect (PROXY_DOWNLOAD). `auto` streams
 * a request that carries Authorization: HTTParty (the Ruby `gitlab` gem) sends it again to the
 * presigned URL, and S3 refuses a request signed twice (400, "Only one auth mechanism allowed").
 * curl, python-gitlab (requests) and go-gitlab drop Authorization on a redirect to another host,
 * and their usual credential is PRIVATE-TOKEN, so they keep the 302.
 */
export function streams(mode: Config["PROXY_DOWNLOAD"], request: Request): boolean {
  return mode === "always" || (mode === "auto" && request.headers.has("authorization"));
}

/**
 * An archive download: 302 to a presigned URL (HEAD to a presigned HEAD URL), computed here
 * with no storage request, saving as the archive's file name; or, when `streams` says so, the
 * archive itself (lib/downloads/proxy.ts). The archive never changes, so its SHA-256 is a strong
 * ETag and a matching If-None-Match is answered 304 at once, either way.
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
  // Under `auto` the answer depends on Authorization: a shared cache must not hand a 302 to the gem.
  const vary: Record<string, string> = services.config.PROXY_DOWNLOAD === "auto" ? { Vary: "Authorization" } : {};
  if (streams(services.config.PROXY_DOWNLOAD, request)) {
    return streamArchive(services, request, archive, { ETag: etag, "Cache-Control": cacheControl(sharedFor), ...vary });
  }
  const head = request.method === "HEAD";
  const options = {
    expiresIn,
    method: head ? ("HEAD" as const) : ("GET" as const),
    filename: archive.fileName,
    signedAt,
  };
  // Without a window (PRESIGN_WINDOW=0) every URL is signed at its own moment: nothing to reuse.
  const location =
    signedAt === now
      ? await services.storage.presignGet(archive.key, options)
      : await presignedOnce(services.storage, archive.key, options);
  return new Response(head ? null : `This resource has been moved temporarily to ${location}.`, {
    status: 302,
    headers: {
      Location: location,
      "Content-Type": "text/plain",
      ETag: etag,
      "Cache-Control": cacheControl(sharedFor),
      ...vary,
    },
  });
}
