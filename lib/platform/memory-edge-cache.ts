import { LRUCache } from "lru-cache";
import { EDGE_CACHE_MAX_BYTES, EDGE_CACHE_TTL } from "../downloads/edge-cache";
import type { EdgeCache } from "./services";

/** Bytes a kept copy is charged beyond its body: its headers and the key. */
const COPY_OVERHEAD = 512;

interface Copy {
  readonly status: number;
  readonly headers: [string, string][];
  readonly bytes: Uint8Array;
}

/**
 * The Node entry's edge cache: public single files kept in the process's memory, as the Worker
 * keeps them in the Workers Cache API (lib/downloads/edge-cache.ts decides what is kept, under
 * which key, and only after the download's SQL statement has authorized the request). At most
 * `maxBytes` in all, least recently used copies dropped first; a copy lives EDGE_CACHE_TTL seconds.
 */
export function memoryEdgeCache(maxBytes: number): EdgeCache {
  const copies = new LRUCache<string, Copy>({
    maxSize: maxBytes,
    maxEntrySize: Math.min(maxBytes, EDGE_CACHE_MAX_BYTES + COPY_OVERHEAD),
    sizeCalculation: (copy) => copy.bytes.byteLength + COPY_OVERHEAD,
    ttl: EDGE_CACHE_TTL * 1000,
  });
  return {
    async match(key) {
      const copy = copies.get(key.url);
      return copy && new Response(copy.bytes, { status: copy.status, headers: copy.headers });
    },
    async put(key, response) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      copies.set(key.url, { status: response.status, headers: [...response.headers], bytes });
    },
    waitUntil(promise) {
      // Node keeps running after the answer; edgeCopy catches and logs its own failures.
      promise.catch(() => {});
    },
  };
}
