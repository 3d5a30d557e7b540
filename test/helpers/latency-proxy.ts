import { createServer as createHttpServer, request as httpRequest } from "node:http";
import net from "node:net";

/**
 * Loopback proxies that add a round-trip time and count what passes: in front of the stack's
 * SQL-over-HTTP endpoint (each request is one database round trip) and its WebSocket bridge
 * (each TCP connection is one WebSocket, one PostgreSQL session). Each closes itself after
 * LIFETIME_MS, so a forgotten one never keeps a test run alive.
 */
const HOST = "127.0.0.1";
const LIFETIME_MS = 5 * 60_000;

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface CountingProxy {
  /** What reached the target since the last `reset`: HTTP requests, or TCP connections. */
  readonly count: number;
  reset(): void;
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, HOST, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("latency proxy: no TCP address");
  return address.port;
}

function closer(server: net.Server, cleanup: () => void): () => Promise<void> {
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    cleanup();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const timer = setTimeout(() => void close(), LIFETIME_MS);
  timer.unref();
  return close;
}

/** An HTTP proxy to `target` (http://host:port/path) answering each request `rttMs` later than the target. */
export async function startHttpLatencyProxy(
  target: string,
  rttMs: number,
): Promise<CountingProxy & { readonly url: string }> {
  const upstream = new URL(target);
  let count = 0;
  const server = createHttpServer((req, res) => {
    count++;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      await later(rttMs);
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on("error", () => res.destroy());
      forward.end(Buffer.concat(chunks));
    });
  });
  const port = await listen(server);
  return {
    url: `http://${HOST}:${port}${upstream.pathname}`,
    get count() {
      return count;
    },
    reset: () => {
      count = 0;
    },
    close: closer(server, () => server.closeAllConnections()),
  };
}

/** A TCP proxy to `target` that holds back each answer `rttMs` and counts connections. */
export async function startTcpLatencyProxy(
  target: { host: string; port: number },
  rttMs: number,
): Promise<CountingProxy & { readonly address: string }> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    count++;
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on("data", async (chunk: Buffer) => {
      await later(rttMs);
      if (!client.destroyed) client.write(chunk);
    });
    upstream.on("end", () => void later(rttMs).then(() => client.end()));
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on("error", () => b.destroy());
      a.on("close", () => sockets.delete(a));
    }
  });
  const port = await listen(server);
  return {
    address: `${HOST}:${port}`,
    get count() {
      return count;
    },
    reset: () => {
      count = 0;
    },
    close: closer(server, () => {
      for (const socket of sockets) socket.destroy();
    }),
  };
}
