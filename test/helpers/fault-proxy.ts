import net from "node:net";

/**
 * What the proxy does to traffic, for connections open and to come:
 * - pass: forwards both ways;
 * - refuse: stops listening (a new connection gets ECONNREFUSED) and resets open ones;
 * - reset: forwards `afterBytes` bytes towards the client (counted from the switch), then resets;
 * - stall: accepts and reads, forwards nothing either way; with `afterBytes`, first forwards that
 *   many bytes towards the client (counted from the switch), as a storage that stops mid-body;
 * - http: answers the next request with `status` and an S3-style XML error, then closes.
 */
export type FaultMode =
  | { readonly kind: "pass" }
  | { readonly kind: "refuse" }
  | { readonly kind: "reset"; readonly afterBytes: number }
  | { readonly kind: "stall"; readonly afterBytes?: number }
  | { readonly kind: "http"; readonly status: 500 | 503 };

export interface FaultProxy {
  readonly port: number;
  /** `127.0.0.1:port`, to put where the target's address would go. */
  readonly address: string;
  set(mode: FaultMode): Promise<void>;
  close(): Promise<void>;
}

const HOST = "127.0.0.1";
/** The proxy closes itself after this long, so a forgotten one never keeps a test run alive. */
export const FAULT_PROXY_LIFETIME_MS = 5 * 60_000;

const S3_CODES = { 500: "InternalError", 503: "ServiceUnavailable" } as const;
const REASONS = { 500: "Internal Server Error", 503: "Service Unavailable" } as const;

function httpFault(status: 500 | 503): string {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${S3_CODES[status]}</Code><Message>fault-proxy</Message></Error>`;
  return [
    `HTTP/1.1 ${status} ${REASONS[status]}`,
    "Content-Type: application/xml",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}

interface Link {
  readonly client: net.Socket;
  upstream: net.Socket | undefined;
  /** Bytes sent to the client since the mode last changed. */
  sent: number;
}

/** A loopback TCP proxy in front of `target` (a PostgreSQL, its WebSocket bridge or an S3 server). */
export async function startFaultProxy(
  target: { readonly host: string; readonly port: number },
  lifetimeMs = FAULT_PROXY_LIFETIME_MS,
): Promise<FaultProxy> {
  let mode: FaultMode = { kind: "pass" };
  const links = new Set<Link>();

  const drop = (link: Link, reset: boolean): void => {
    links.delete(link);
    link.upstream?.destroy();
    if (reset) link.client.resetAndDestroy();
    else link.client.destroy();
  };

  const toClient = (link: Link, chunk: Buffer): void => {
    if (mode.kind === "stall") {
      const room = (mode.afterBytes ?? 0) - link.sent;
      if (room > 0) link.client.write(chunk.subarray(0, room));
      link.sent += Math.max(Math.min(room, chunk.length), 0);
      return;
    }
    if (mode.kind === "reset") {
      const room = mode.afterBytes - link.sent;
      if (chunk.length >= room) {
        if (room > 0) link.client.write(chunk.subarray(0, room));
        link.sent += Math.max(room, 0);
        drop(link, true);
        return;
      }
    }
    link.sent += chunk.length;
    link.client.write(chunk);
  };

  const toUpstream = (link: Link, chunk: Buffer): void => {
    // A stall after some bytes lets requests through (the response stops half-way, not the request).
    if (mode.kind === "stall" && !mode.afterBytes) return;
    if (mode.kind === "http") {
      links.delete(link);
      link.upstream?.destroy();
      link.client.end(httpFault(mode.status));
      return;
    }
    if (!link.upstream) {
      const upstream = net.connect(target.port, target.host);
      link.upstream = upstream;
      upstream.on("data", (data: Buffer) => toClient(link, data));
      upstream.on("error", () => drop(link, true));
      upstream.on("close", () => {
        if (links.has(link)) {
          links.delete(link);
          link.client.end();
        }
      });
    }
    link.upstream.write(chunk);
  };

  const server = net.createServer((client) => {
    const link: Link = { client, upstream: undefined, sent: 0 };
    links.add(link);
    client.on("data", (chunk: Buffer) => toUpstream(link, chunk));
    client.on("error", () => drop(link, false));
    client.on("close", () => drop(link, false));
    // PostgreSQL speaks first only after the client's startup packet; S3 after a request: both
    // connect upstream lazily, so a stalled or faulted connection never reaches the target.
  });

  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, HOST, () => {
        server.off("error", reject);
        resolve();
      });
    });
  const unlisten = (): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

  await listen(0);
  const bound = server.address();
  if (bound === null || typeof bound === "string") throw new Error("fault proxy: no TCP address");
  const port = bound.port;

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    for (const link of links) drop(link, false);
    if (server.listening) await unlisten();
  };
  const timer = setTimeout(() => void close(), lifetimeMs);
  timer.unref();

  return {
    port,
    address: `${HOST}:${port}`,
    async set(next) {
      if (closed) throw new Error("fault proxy: closed");
      mode = next;
      for (const link of links) link.sent = 0;
      if (next.kind === "refuse") {
        for (const link of links) drop(link, true);
        if (server.listening) await unlisten();
      } else if (!server.listening) {
        await listen(port);
      }
    },
    close,
  };
}
