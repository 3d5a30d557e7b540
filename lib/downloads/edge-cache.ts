import { causeChain } from "../platform/log";
import type { EdgeCache, Logger } from "../platform/services";
import type { TypeRule } from "./entry";

/**
 * Public single files kept in the Workers Cache API. A `Cache-Control` header alone does not put
 * a Worker's answer in Cloudflare's cache (the Worker runs before it), so the file route stores
 * and reads its answers itself, after the download's one SQL statement has authorized the
 * request: deletion, expiry and a project turning private take effect at once, whatever the
 * cache holds. Only anonymous requests for what anyone may read come here (lib/downloads/
 * request.ts); the key never holds a credential. docs/downloads.md#edge-cache.
 */

/**
 * Largest file kept. The copy is a tee of the answer's body, gathered whole before it is stored,
 * so one request holds at most about twice this for it (the chunks, then the gathered bytes).
 * Kept no larger than MAX_RANGE_INFLATE_BYTES, so a range served from a copy is one the archive
 * would serve too.
 */
export const EDGE_CACHE_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Seconds a copy may stay (the cache may drop it sooner). The bytes behind a key never change:
 * the archive's digest is computed here at upload, and who may read them is decided per request.
 */
export const EDGE_CACHE_TTL = 86_400;

/** The file's size, in the stored copy: what a range is checked against before any byte is read. */
const SIZE_HEADER = "X-Artifact-Entry-Size";

/** A file as the cache holds it. */
export interface CachedFile {
  readonly size: number;
  readonly contentType: string;
  readonly body: ReadableStream<Uint8Array>;
}

export interface EdgeCopy {
  /** The stored copy, if the cache has one. */
  match(): Promise<CachedFile | undefined>;
  /** The body to send; a whole file up to EDGE_CACHE_MAX_BYTES is also stored, after the answer. */
  keep(body: ReadableStream<Uint8Array>, file: Omit<CachedFile, "body">): ReadableStream<Uint8Array>;
}

const emptyBody = () => new Response(new Uint8Array(0)).body as ReadableStream<Uint8Array>;

/**
 * One file's place in the cache. The key is the file's ETag (a SHA-256 of the archive's digest
 * and the path) and the route's type rule, which decides the Content-Type stored with it, under
 * the request's own origin (the Cache API belongs to the zone).
 */
export function edgeCopy(
  cache: EdgeCache,
  request: Request,
  file: { readonly etag: string; readonly type: TypeRule },
  log: Logger,
): EdgeCopy {
  const id = file.etag.replace(/"/g, "");
  const key = new Request(`${new URL(request.url).origin}/-/edge-cache/v1/${file.type}/${id}`);
  return {
    async match() {
      let cached: Response | undefined;
      try {
        cached = await cache.match(key);
      } catch (error) {
        log.info("edge cache lookup failed", { cause: causeChain(error) });
        return undefined;
      }
      if (!cached) return undefined;
      const size = Number(cached.headers.get(SIZE_HEADER) ?? Number.NaN);
      if (!Number.isSafeInteger(size) || size < 0) {
        await cached.body?.cancel().catch(() => {});
        return undefined;
      }
      const contentType = cached.headers.get("content-type") ?? "application/octet-stream";
      return { size, contentType, body: cached.body ?? emptyBody() };
    },

    keep(body, { size, contentType }) {
      if (size > EDGE_CACHE_MAX_BYTES) return body;
      const [answer, copy] = body.tee();
      const store = async () => {
        // Put only once every byte has arrived: handed a stream that fails half-way, workerd's
        // cache keeps what came before the failure (test/runtime/edge-cache.test.ts). A failed
        // read is already logged as the answer's failure.
        const bytes = await new Response(copy).arrayBuffer().catch(() => null);
        if (bytes?.byteLength !== size) return;
        const headers = {
          "Content-Type": contentType,
          "Cache-Control": `public, max-age=${EDGE_CACHE_TTL}`,
          [SIZE_HEADER]: String(size),
        };
        await cache.put(key, new Response(bytes, { headers })).catch((error: unknown) => {
          log.info("edge cache put failed", { cause: causeChain(error) });
        });
      };
      cache.waitUntil(store());
      return answer;
    },
  };
}
