/**
 * `node --expose-gc --import tsx test/bench/stored-hop.ts`: what the server hop costs a large
 * stored entry (issue 9 goal 1), in the side-by-side bench's layout (one process: s3rver, the
 * storage proxy, the servers and the client). One 50 MiB stored entry, read over interleaved
 * rounds (ROUNDS, default 9) by fetch from:
 *
 * - ours: the app behind the Node entry's adapter (@hono/node-server), as the side-by-side bench
 *   serves it;
 * - web pass-through: a server that fetches the object and returns its body (web streams on both
 *   sides, no SQL, no zip code);
 * - node to web: node:http's GET turned into a web stream, returned through @hono/node-server;
 * - web to node: fetch's body written to node:http's response;
 * - node pipe: node:http's GET piped into node:http's response (no web stream);
 * - whole download: the presigned URL itself, no server between.
 *
 * Prints each median and the ratio of the whole download to it. Outputs are counted, not hashed
 * (the side-by-side bench checks ours byte for byte).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { serve } from "@hono/node-server";
import { zipSync } from "fflate";
import { createApp } from "../../functions/app";
import { nodeWebSocket } from "../../lib/local/node-websocket";
import { jsonLogger } from "../../lib/platform/log";
import { servicesFrom } from "../../lib/platform/services";
import { random } from "../helpers/bytes";
import { factories } from "../helpers/factories";
import { url } from "../helpers/harness";
import { scratchStack } from "../helpers/scratch-stack";
import { median } from "./side-by-side";
import { startStorageProxy } from "./storage-proxy";

const ROUNDS = Number(process.env.ROUNDS ?? 9);
const ENTRY_BYTES = 50 * 2 ** 20;

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

/** A node:http server on loopback; its origin. */
async function listenNode(handler: Handler, servers: http.Server[]): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A fetch handler behind @hono/node-server on loopback; its origin. */
async function listenFetch(fetch: (request: Request) => Promise<Response>, servers: http.Server[]): Promise<string> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve(`http://127.0.0.1:${info.port}`),
    ) as http.Server;
    servers.push(server);
  });
}

const nodeGet = (target: string) => new Promise<http.IncomingMessage>((resolve) => http.get(target, resolve));

/** Reads `target` whole with fetch, as the bench's client does; the bytes it got. */
async function read(target: string): Promise<number> {
  const response = await fetch(target);
  let bytes = 0;
  for await (const chunk of response.body ?? []) bytes += chunk.length;
  return bytes;
}

async function main() {
  const stack = await scratchStack("stored-hop");
  const proxy = await startStorageProxy(stack.settings.S3_ENDPOINT ?? "");
  const servers: http.Server[] = [];
  const settings = { ...stack.settings, ADMIN_TOKEN: "bench-admin-token-0123456789", S3_ENDPOINT: proxy.endpoint };
  const { services: opened, close } = servicesFrom(settings, nodeWebSocket).open(4);
  try {
    const services = { ...opened, log: jsonLogger(() => {}) };
    const make = factories(services.db, services.storage);
    const pipeline = await make.pipeline(await make.project({ visibility: "public" }));
    const { job } = await make.job(pipeline, { status: "success" });
    const stored = await make.archive(job, zipSync({ "blob.bin": [random(ENTRY_BYTES), { level: 0 }] }));
    const object = await services.storage.presignGet(stored.key, { expiresIn: 3600 });

    const app = createApp(async () => ({ services }));
    const ours = await listenFetch(async (request) => app.fetch(request), servers);
    const targets: Record<string, string> = {
      ours: `${ours}${url.jobArtifactFile(pipeline.project_id, job, "blob.bin")}`,
      "web pass-through": await listenFetch(async () => new Response((await fetch(object)).body), servers),
      "node to web": await listenFetch(
        async () => new Response(Readable.toWeb(await nodeGet(object)) as ReadableStream<Uint8Array>),
        servers,
      ),
      "web to node": await listenNode(async (_, response) => {
        const answer = await fetch(object);
        response.writeHead(200);
        for await (const chunk of answer.body ?? []) {
          if (!response.write(chunk)) await new Promise((drained) => response.once("drain", drained));
        }
        response.end();
      }, servers),
      "node pipe": await listenNode(async (_, response) => {
        const answer = await nodeGet(object);
        response.writeHead(200, { "content-length": answer.headers["content-length"] });
        answer.pipe(response);
      }, servers),
      "whole download": object,
    };
    const times = new Map(Object.keys(targets).map((name) => [name, [] as number[]]));
    for (let round = 0; round < ROUNDS + 1; round++) {
      for (const [name, target] of Object.entries(targets)) {
        (globalThis as { gc?: () => void }).gc?.();
        const start = performance.now();
        const bytes = await read(target);
        const ms = performance.now() - start;
        if (bytes < ENTRY_BYTES) throw new Error(`${name}: ${bytes} bytes`);
        // The first round warms up.
        if (round > 0) times.get(name)?.push(ms);
      }
    }
    const whole = median(times.get("whole download") ?? []);
    for (const [name, xs] of times) {
      console.log(
        `${name}: median ${median(xs).toFixed(0)} ms, whole download / it x${(whole / median(xs)).toFixed(2)}`,
      );
    }
  } finally {
    for (const server of servers) server.close();
    await close();
    await proxy.close();
    await stack.stop();
  }
}

await main();
process.exit(0);
