import { zipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lib/platform/config";
import { createStorage } from "../../../lib/platform/services";
import { contenders, OURS, type Target } from "../../bench/contenders";
import { startStorageProxy } from "../../bench/storage-proxy";
import { random, text } from "../../helpers/bytes";
import { settings, unique } from "../../helpers/harness";

// The bench's storage proxy and its peers, against the run's real s3rver (no latency: counts only).
const direct = createStorage(parseConfig(settings()));
const proxy = await startStorageProxy(settings().S3_ENDPOINT ?? "");
const proxied = createStorage(parseConfig({ ...settings(), S3_ENDPOINT: proxy.endpoint }));
afterAll(() => proxy.close());

async function put(bytes: Uint8Array): Promise<string> {
  const key = `bench-proxy/${unique("zip")}.zip`;
  await direct.upload(key, new Blob([bytes]).stream(), "application/zip");
  return key;
}

describe("the bench's storage proxy", () => {
  it("answers Range: bytes=0-0 with one byte and the object's size, as S3 does, where s3rver sends everything", async () => {
    const bytes = random(200_000);
    const key = await put(bytes);
    const range = { headers: { range: "bytes=0-0" } };

    const fromS3rver = await fetch(await direct.presignGet(key, { expiresIn: 600 }), range);
    expect((await fromS3rver.arrayBuffer()).byteLength).toBe(bytes.length);

    proxy.reset();
    const res = await fetch(await proxied.presignGet(key, { expiresIn: 600 }), range);
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 0-0/${bytes.length}`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes.subarray(0, 1));
    expect(proxy.counts()).toEqual({ requests: 1, bytes: 1 });
  });

  it("refuses a suffix range, which s3rver would answer with the object's first bytes", async () => {
    const key = await put(random(1000));
    const res = await fetch(await proxied.presignGet(key, { expiresIn: 600 }), { headers: { range: "bytes=-10" } });
    expect(res.status).toBe(501);
  });

  it("lets every peer read an entry byte for byte, zip.js for about the archive's bytes, not twice", async () => {
    const blob = random(512 * 1024);
    const zip = zipSync({ "notes.txt": text("hello\n"), "data/blob.bin": [blob, { level: 0 }] });
    const key = await put(zip);
    const target: Target = {
      objectUrl: await proxied.presignGet(key, { expiresIn: 600 }),
      size: zip.length,
      entry: "data/blob.bin",
      apiUrl: "",
    };
    const peers = contenders.filter((c) => c.name !== OURS);
    expect(peers.map((c) => c.name)).toEqual(["unzipit", "@zip.js/zip.js", "whole download + fflate"]);
    for (const peer of peers) {
      proxy.reset();
      // Buffer.equals: vitest's deep equality walks half a megabyte slowly.
      expect(Buffer.from(await peer.read(target)).equals(blob), peer.name).toBe(true);
      const { requests, bytes } = proxy.counts();
      expect(requests, peer.name).toBeGreaterThan(0);
      expect(bytes, peer.name).toBeGreaterThanOrEqual(blob.length);
      expect(bytes, peer.name).toBeLessThan(zip.length * 1.5);
    }
  });
});
