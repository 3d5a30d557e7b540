import http from "node:http";

/** One request that went through the proxy. */
export interface ProxiedRequest {
  readonly method: string;
  /** The path, percent-decoded, without the query. */
  readonly path: string;
}

export interface CountingProxy {
  /** `http://127.0.0.1:port`, to put where the server's URL would go. */
  readonly url: string;
  readonly requests: readonly ProxiedRequest[];
  close(): Promise<void>;
}

/** The proxy closes itself after this long, so a forgotten one never keeps a test run alive. */
const LIFETIME_MS = 5 * 60_000;

/**
 * A loopback HTTP proxy in front of a real server (the test stack's S3 server) that records every
 * request it forwards: how a runtime test counts the storage requests the Worker in workerd makes.
 */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const requests: ProxiedRequest[] = [];
  const server = http.createServer((incoming, outgoing) => {
    const path = decodeURIComponent(new URL(incoming.url ?? "/", "http://proxy").pathname);
    requests.push({ method: incoming.method ?? "GET", path });
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
        // An answer cut off upstream is cut off here too, not left hanging.
        answer.on("aborted", () => outgoing.destroy());
        answer.on("error", () => outgoing.destroy());
      },
    );
    forward.on("error", () => outgoing.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("counting proxy: no TCP address");
  const close = () =>
    new Promise<void>((resolve) => {
      clearTimeout(timer);
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const timer = setTimeout(() => void close(), LIFETIME_MS);
  timer.unref();
  return { url: `http://127.0.0.1:${address.port}`, requests, close };
}
