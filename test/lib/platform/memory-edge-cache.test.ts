import { describe, expect, it } from "vitest";
import { EDGE_CACHE_MAX_BYTES } from "../../../lib/downloads/edge-cache";
import { memoryEdgeCache } from "../../../lib/platform/memory-edge-cache";

const key = (name: string) => new Request(`http://edge.test/-/edge-cache/v1/extension/${name}`);
const copy = (bytes: number, type = "text/plain") =>
  new Response(new Uint8Array(bytes).fill(120), {
    headers: { "Content-Type": type, "X-Artifact-Entry-Size": `${bytes}` },
  });
const held = async (cache: ReturnType<typeof memoryEdgeCache>, name: string) =>
  (await (await cache.match(key(name)))?.arrayBuffer())?.byteLength;

describe("the Node entry's edge cache (memory)", () => {
  it("gives back what was put: status, headers and bytes, under the key's URL", async () => {
    const cache = memoryEdgeCache(1024 * 1024);
    expect(await cache.match(key("a"))).toBeUndefined();
    await cache.put(key("a"), copy(3, "text/html; charset=utf-8"));
    const hit = await cache.match(key("a"));
    expect([hit?.status, hit?.headers.get("content-type"), hit?.headers.get("x-artifact-entry-size")]).toEqual([
      200,
      "text/html; charset=utf-8",
      "3",
    ]);
    expect(new TextDecoder().decode(await hit?.arrayBuffer())).toBe("xxx");
    // Each match is a Response of its own: reading one leaves the copy whole.
    expect(await held(cache, "a")).toBe(3);
    expect(await cache.match(key("b"))).toBeUndefined();
  });

  it("holds at most its bytes, dropping the least recently used copy first", async () => {
    // Room for two copies of 10 KiB (each is charged a little more for its headers), not three.
    const cache = memoryEdgeCache(21 * 1024 + 1024);
    await cache.put(key("a"), copy(10 * 1024));
    await cache.put(key("b"), copy(10 * 1024));
    expect(await held(cache, "a")).toBe(10 * 1024); // a is now the most recently used
    await cache.put(key("c"), copy(10 * 1024));
    expect([await held(cache, "a"), await held(cache, "b"), await held(cache, "c")]).toEqual([
      10 * 1024,
      undefined,
      10 * 1024,
    ]);
  });

  it("never keeps a copy larger than EDGE_CACHE_MAX_BYTES, or than the whole cache", async () => {
    const roomy = memoryEdgeCache(4 * EDGE_CACHE_MAX_BYTES);
    await roomy.put(key("big"), copy(EDGE_CACHE_MAX_BYTES + 1));
    await roomy.put(key("fits"), copy(EDGE_CACHE_MAX_BYTES));
    expect([await held(roomy, "big"), await held(roomy, "fits")]).toEqual([undefined, EDGE_CACHE_MAX_BYTES]);
    const small = memoryEdgeCache(4096);
    await small.put(key("a"), copy(1024));
    await small.put(key("b"), copy(8192));
    // The copy too large for the cache is refused; what it held stays.
    expect([await held(small, "a"), await held(small, "b")]).toEqual([1024, undefined]);
  });
});
