import { createServer as createHttpServer, request as httpRequest } from "node:http";
import net from "node:net";

/**
 * Loopback proxies that add a round-trip time and count what passes: in front of the stack's
 * SQL-over-HTTP endpoint (each request is one database round trip), its WebSocket bridge (each
 * TCP connection is one WebSocket, one PostgreSQL session) or its S3 server (storage requests). Each closes itself after
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

/** One request that went through an HTTP proxy. */
export interface ProxiedRequest {
  readonly method: string;
  /** The path, percent-decoded, without the query. */
  readonly path: string;
}

/**
 * An HTTP proxy to `target` (http://host:port/path) that records every request it forwards and
 * forwards each `rttMs` late (0: at once). An answer cut off upstream is cut off here too.
 */
export async function startHttpLatencyProxy(
  target: string,
  rttMs = 0,
): Promise<CountingProxy & { readonly url: string; readonly requests: readonly ProxiedRequest[] }> {
  const upstream = new URL(target);
  const requests: ProxiedRequest[] = [];
  const server = createHttpServer(async (req, res) => {
    requests.push({
      method: req.method ?? "GET",
      path: decodeURIComponent(new URL(req.url ?? "/", "http://proxy").pathname),
    });
    if (rttMs > 0) await later(rttMs);
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on("aborted", () => res.destroy());
        answer.on("error", () => res.destroy());
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  const port = await listen(server);
  const path = upstream.pathname === "/" ? "" : upstream.pathname;
  return {
    url: `http://${HOST}:${port}${path}`,
    requests,
    get count() {
      return requests.length;
    },
    reset: () => {
      requests.length = 0;
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
