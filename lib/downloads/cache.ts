/** GitLab's API responses are not cached by shared caches; clients revalidate with the ETag. */
const PRIVATE = "max-age=0, private, must-revalidate";

/**
 * How long shared caches may keep a public answer: short, so that deletions, expiry and a
 * project turning private reach the edge within minutes.
 */
export const SHARED_MAX_AGE = { file: 300, latest: 60 } as const;

/** Cache-Control for an answer; `sharedFor` seconds when anyone may read it, else private. */
export function cacheControl(sharedFor: number | undefined): string {
  return sharedFor ? `public, max-age=${sharedFor}` : PRIVATE;
}

/** Does an If-None-Match header match this strong ETag? */
function matches(header: string | null, etag: string): boolean {
  if (!header) return false;
  return header.trim() === "*" || header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

/** 304 when the request's If-None-Match already holds `etag`: answered before any storage request. */
export function notModified(request: Request, etag: string, sharedFor: number | undefined): Response | undefined {
  if (!matches(request.headers.get("if-none-match"), etag)) return undefined;
  return new Response(null, { status: 304, headers: { ETag: etag, "Cache-Control": cacheControl(sharedFor) } });
}
