import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * An HTTP proxy in front of the local S3 server (s3rver) for `npm run bench`: it counts requests
 * and response bytes, holds each request `latencyMs` before forwarding it (a round trip to a
 * distant store), and answers ranges as S3 does where s3rver does not. Loopback only.
 *
 * s3rver 3.7 (lib/controllers/object.js, lib/stores/filesystem.js) reads `end || Infinity`, so
 * `Range: bytes=0-0` gets the whole object (as a 206); S3 sends one byte. zip.js learns an
 * archive's size with exactly that request, so without the cut each probe would cost the whole
 * archive. s3rver also reads a suffix range `bytes=-N` as `bytes=0-N`: the proxy refuses those
 * (501) rather than let a contender read wrong bytes, and none of the bench's contenders sends one.
 * Request headers are forwarded untouched, so SigV4 signatures (header or presigned) still hold.
 */
export interface StorageProxy {
  /** `http://127.0.0.1:port`, to use as S3_ENDPOINT. */
  readonly endpoint: string;
  /** Delay before each request is forwarded. */
  latencyMs: number;
  /** Requests and response-body bytes since the last `reset`. */
  counts(): { requests: number; bytes: number };
  reset(): void;
  close(): Promise<void>;
}

export const KEEP_ALIVE_MS = 65_000;
/** Ranges s3rver answers as S3 does not: a suffix (`bytes=-N`). */
const SUFFIX_RANGE = /^\s*bytes=-\d+\s*$/;
/** The one-byte probe, which s3rver answers with everything from the start. */
const FIRST_BYTE = /^\s*bytes=0-0\s*$/;

export async function startStorageProxy(target: string, options: { latencyMs?: number } = {}): Promise<StorageProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let requests = 0;
  let bytes = 0;
  const sockets = new Set<Socket>();

  const server = http.createServer(async (req, res) => {
    requests++;
    const range = req.headers.range ?? "";
    if (SUFFIX_RANGE.test(range)) {
      res.writeHead(501, { "content-type": "text/plain" }).end("storage proxy: s3rver answers suffix ranges wrongly");
      return;
    }
    if (proxy.latencyMs > 0) await sleep(proxy.latencyMs);
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        const total = /\/(\d+)$/.exec(answer.headers["content-range"] ?? "")?.[1] ?? answer.headers["content-length"];
        if (FIRST_BYTE.test(range) && (answer.statusCode === 200 || answer.statusCode === 206) && Number(total) > 1) {
          // As S3: 206, one byte, and the object's size after the slash.
          answer.once("data", (chunk: Buffer) => {
            answer.destroy();
            bytes += 1;
            const headers = { ...answer.headers, "content-length": "1", "content-range": `bytes 0-0/${total}` };
            res.writeHead(206, headers).end(chunk.subarray(0, 1));
          });
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          if (!res.write(chunk)) {
            answer.pause();
            res.once("drain", () => answer.resume());
          }
        });
        answer.on("end", () => res.end());
        answer.on("error", () => res.destroy());
      },
    );
    forward.on("error", () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    // A client that goes away (a reader stopping mid-body) stops the upstream transfer too.
    res.on("close", () => {
      if (!res.writableFinished) forward.destroy();
    });
    req.pipe(forward);
  });
  // Longer than any client keeps an idle connection (undici: 4 s), so a client never sends a request
  // on a connection the proxy is closing (a "fetch failed" on a loaded machine).
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const proxy: StorageProxy = {
    endpoint: `http://127.0.0.1:${port}`,
    latencyMs: options.latencyMs ?? 0,
    counts: () => ({ requests, bytes }),
    reset() {
      requests = 0;
      bytes = 0;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
