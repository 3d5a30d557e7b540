import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../lib/local/stack";
import { parseConfig } from "../../../lib/platform/config";
import { nodeStorageGet } from "../../../lib/platform/node-storage-get";
import { createStorage } from "../../../lib/platform/services";
import { S3Storage, STORAGE_MAX_ATTEMPTS, type StorageGet } from "../../../lib/platform/storage";
import { isUnavailable } from "../../../lib/platform/unavailable";
import { random } from "../../helpers/bytes";
import { settings, unique } from "../../helpers/harness";

/**
 * A storage that answers every request with one status and S3's XML error, counting them: what
 * the read path tries again and what it does not, as the AWS SDK's standard retry did. Or, for
 * `mode` "silent", that never answers; "cut", that sends half a body and closes the connection.
 */
let status = 503;
let code = "SlowDown";
let mode: "answer" | "silent" | "cut" = "answer";
const seen: { method?: string; authorization?: string; range?: string }[] = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method, authorization: req.headers.authorization, range: req.headers.range });
    if (mode === "silent") return;
    if (mode === "cut") {
      res.writeHead(200, { "content-length": "1000" });
      res.write("x".repeat(10), () => res.socket?.destroy());
      return;
    }
    res.writeHead(status, { "content-type": "application/xml" });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>test</Message></Error>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
});
afterAll(() => server.closeAllConnections());

const answering = (next: number, nextCode: string, nextMode: typeof mode = "answer") => {
  status = next;
  code = nextCode;
  mode = nextMode;
  seen.length = 0;
};

const storageAt = (url: string, get: StorageGet | undefined, timeoutMs = 2000) =>
  new S3Storage({
    endpoint: url,
    region: "us-east-1",
    bucket: "artifacts",
    accessKeyId: "key",
    secretAccessKey: "secret",
    timeoutMs,
    get,
  });

// fetch on both runtimes; node:http on the Node entry (lib/platform/node-storage-get.ts): the same behaviour.
describe.each([
  ["fetch", undefined],
  ["node:http", nodeStorageGet],
] as const)("a storage read (one signed GET) through %s", (_, get) => {
  it(`tries a 503 ${STORAGE_MAX_ATTEMPTS} times, then fails with S3's code, which is answered 503`, async () => {
    answering(503, "SlowDown");
    const error = await storageAt(endpoint, get)
      .read("artifacts/1/a b.zip", { start: 10, end: 20 })
      .catch((e: unknown) => e);
    expect(seen).toHaveLength(STORAGE_MAX_ATTEMPTS);
    expect(error).toMatchObject({ name: "SlowDown", $metadata: { httpStatusCode: 503 } });
    expect(isUnavailable(error)).toBe(true);
    expect(seen[0]).toMatchObject({ method: "GET", range: "bytes=10-20" });
    expect(seen[0]?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=key\/\d{8}\/us-east-1\/s3\/aws4_request, /);
  });

  it("tries a 403 once and fails with S3's code, which is not a 503", async () => {
    answering(403, "AccessDenied");
    const error = await storageAt(endpoint, get)
      .read("artifacts/1/a.zip")
      .catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(error).toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    expect(isUnavailable(error)).toBe(false);
  });

  it("answers a missing object (404) with null, once", async () => {
    answering(404, "NoSuchKey");
    expect(await storageAt(endpoint, get).read("artifacts/1/a.zip")).toBeNull();
    expect(seen).toHaveLength(1);
  });

  it(`gives up on a storage that sends no answer after ${STORAGE_MAX_ATTEMPTS} timeouts, as unavailable`, async () => {
    answering(200, "", "silent");
    const error = await storageAt(endpoint, get, 200)
      .read("artifacts/1/a.zip")
      .catch((e: unknown) => e);
    expect(seen).toHaveLength(STORAGE_MAX_ATTEMPTS);
    expect(isUnavailable(error)).toBe(true);
  });

  it("fails a refused connection as unavailable", async () => {
    const error = await storageAt(`http://127.0.0.1:${await freePort()}`, get)
      .read("artifacts/1/a.zip")
      .catch((e: unknown) => e);
    expect(isUnavailable(error)).toBe(true);
  });

  it("errors the body, never ends it short, when storage closes the connection mid-way", async () => {
    answering(200, "", "cut");
    const body = await storageAt(endpoint, get).read("artifacts/1/a.zip");
    expect(body).not.toBeNull();
    const failure = await new Response(body).arrayBuffer().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
  });

  it("reads the bytes and ranges of a real object in s3rver", async () => {
    const storage = createStorage(parseConfig(settings()), get);
    const bytes = random(100_000);
    const key = `read-tests/${unique("get")}.bin`;
    await storage.upload(key, new Blob([bytes]).stream(), "application/octet-stream");
    const read = async (range?: { start: number; end: number }) =>
      new Uint8Array(await new Response(await storage.read(key, range)).arrayBuffer());
    expect(await read()).toEqual(bytes);
    expect(await read({ start: 70_000, end: 99_999 })).toEqual(bytes.subarray(70_000));
    expect(await storage.read(`${key}.missing`)).toBeNull();
  });
});
