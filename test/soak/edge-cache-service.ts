import { createServer } from "node:http";
import { memoryEdgeCache } from "../../lib/platform/memory-edge-cache";

const CRLF2 = Buffer.from("\r\n\r\n");

/** A response as workerd serialises it for a cache put: status line, header lines, blank line, body. */
function parseResponse(raw: Buffer): Response | undefined {
  const end = raw.indexOf(CRLF2);
  if (end < 0) return undefined;
  const [statusLine = "", ...lines] = raw.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/\d(?:\.\d)? (\d{3})/.exec(statusLine)?.[1]);
  if (!status) return undefined;
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return new Response(raw.subarray(end + CRLF2.length), { status, headers });
}

/**
 * Cloudflare's edge cache for a workerd run by hand (`cacheApiOutbound`): workerd's Cache API
 * speaks HTTP to it (miniflare's cache worker README: match is a GET answered with
 * `Cf-Cache-Status: HIT` or `MISS`, put a PUT of the serialised response answered 204 or 413,
 * delete a PURGE). The copies are kept in this process by the Node entry's edge cache
 * (lib/platform/memory-edge-cache.ts), out of the workerd's memory, as Cloudflare's cache is out
 * of an isolate's.
 */
export async function startEdgeCacheService(maxBytes = 64 * 1024 * 1024) {
  const cache = memoryEdgeCache(maxBytes);
  const server = createServer(async (req, res) => {
    const key = new Request(`http://${req.headers.host ?? "cache"}${req.url ?? "/"}`);
    try {
      if (req.method === "GET") {
        const hit = await cache.match(key);
        if (!hit) {
          res.writeHead(200, { "Cf-Cache-Status": "MISS", "Content-Length": "0" }).end();
          return;
        }
        const body = Buffer.from(await hit.arrayBuffer());
        res.writeHead(hit.status, { ...Object.fromEntries(hit.headers), "Cf-Cache-Status": "HIT" }).end(body);
        return;
      }
      if (req.method === "PUT") {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const response = parseResponse(Buffer.concat(chunks));
        if (!response) {
          res.writeHead(413).end();
          return;
        }
        await cache.put(key, response);
        res.writeHead(204).end();
        return;
      }
      res.writeHead(404).end();
    } catch {
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the edge cache service has no port");
  return {
    address: `127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
