import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Storage, STORAGE_MAX_ATTEMPTS } from "../../../lib/platform/storage";
import { isUnavailable } from "../../../lib/platform/unavailable";

/**
 * A storage that answers every request with one status and S3's XML error, counting them: what
 * the read path tries again and what it does not, as the AWS SDK's standard retry did.
 */
let status = 503;
let code = "SlowDown";
const seen: { method?: string; authorization?: string; range?: string }[] = [];
let server: Server;
let storage: S3Storage;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method, authorization: req.headers.authorization, range: req.headers.range });
    res.writeHead(status, { "content-type": "application/xml" });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>test</Message></Error>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  storage = new S3Storage({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: "us-east-1",
    bucket: "artifacts",
    accessKeyId: "key",
    secretAccessKey: "secret",
    timeoutMs: 2000,
  });
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
});
afterAll(() => server.closeAllConnections());

const answering = (next: number, nextCode: string) => {
  status = next;
  code = nextCode;
  seen.length = 0;
};

describe("a storage read (one signed GET)", () => {
  it(`tries a 503 ${STORAGE_MAX_ATTEMPTS} times, then fails with S3's code, which is answered 503`, async () => {
    answering(503, "SlowDown");
    const error = await storage.read("artifacts/1/a b.zip", { start: 10, end: 20 }).catch((e: unknown) => e);
    expect(seen).toHaveLength(STORAGE_MAX_ATTEMPTS);
    expect(error).toMatchObject({ name: "SlowDown", $metadata: { httpStatusCode: 503 } });
    expect(isUnavailable(error)).toBe(true);
    expect(seen[0]).toMatchObject({ method: "GET", range: "bytes=10-20" });
    expect(seen[0]?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=key\/\d{8}\/us-east-1\/s3\/aws4_request, /);
  });

  it("tries a 403 once and fails with S3's code, which is not a 503", async () => {
    answering(403, "AccessDenied");
    const error = await storage.read("artifacts/1/a.zip").catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(error).toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    expect(isUnavailable(error)).toBe(false);
  });

  it("answers a missing object (404) with null, once", async () => {
    answering(404, "NoSuchKey");
    expect(await storage.read("artifacts/1/a.zip")).toBeNull();
    expect(seen).toHaveLength(1);
  });
});
