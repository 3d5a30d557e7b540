import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { WebSocketServer } from "ws";

/**
 * The WebSocket-to-TCP bridge that lets the Neon serverless driver talk to an ordinary
 * PostgreSQL, the same job Neon's own wsproxy does in front of its servers. Development and
 * tests only: it listens on loopback and forwards to the one database address it was given.
 */
export interface WsProxy {
  /** host:port/v1, the value for neonConfig.wsProxy (as `${url}?address=${host}:${port}`). */
  readonly address: string;
  close(): Promise<void>;
}

export async function startWsProxy(target: { host: string; port: number }, port = 0): Promise<WsProxy> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(426).end("WebSocket only\n");
  });
  const wss = new WebSocketServer({ server, path: "/v1" });
  wss.on("connection", (ws, req) => {
    // The driver names the address it wants; only the configured database is reachable.
    const wanted = new URL(req.url ?? "/", "http://x").searchParams.get("address");
    const allowed = [`${target.host}:${target.port}`, `localhost:${target.port}`, `127.0.0.1:${target.port}`];
    if (!wanted || !allowed.includes(wanted)) {
      ws.close(1008, "address not allowed");
      return;
    }
    const socket = connect(target.port, target.host);
    socket.setNoDelay(true);
    const pending: Buffer[] = [];
    let open = false;
    socket.on("connect", () => {
      open = true;
      for (const chunk of pending) socket.write(chunk);
      pending.length = 0;
    });
    ws.on("message", (data: Buffer) => (open ? socket.write(data) : pending.push(data)));
    socket.on("data", (data) => ws.send(data));
    socket.on("error", () => ws.close());
    socket.on("close", () => ws.close());
    ws.on("close", () => socket.destroy());
    ws.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${bound}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}
