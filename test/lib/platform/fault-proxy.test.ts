import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy } from "../../helpers/fault-proxy";

const BODY = "a".repeat(200_000);

describe("fault proxy", () => {
  let server: http.Server;
  let proxy: FaultProxy;
  const get = (signal?: AbortSignal) => fetch(`http://${proxy.address}/object`, { signal });

  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end(BODY));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    proxy = await startFaultProxy({ host: "127.0.0.1", port: (server.address() as AddressInfo).port });
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it("passes traffic through both ways", async () => {
    const response = await get();
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(BODY);
  });

  it("answers an S3-style 503 or 500 without reaching the target", async () => {
    await proxy.set({ kind: "http", status: 503 });
    const response = await get();
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("<Code>ServiceUnavailable</Code>");
    await proxy.set({ kind: "http", status: 500 });
    expect((await get()).status).toBe(500);
  });

  it("refuses connections while in refuse mode", async () => {
    await proxy.set({ kind: "refuse" });
    const failure = await get().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect(((failure as TypeError).cause as { code?: string }).code).toBe("ECONNREFUSED");
  });

  it("resets a response mid-stream after the given bytes, so the body never ends cleanly", async () => {
    await proxy.set({ kind: "reset", afterBytes: 5_000 });
    const failure = await get()
      .then((response) => response.text())
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
  });

  it("stalls: nothing comes back until the caller gives up", async () => {
    await proxy.set({ kind: "stall" });
    const failure = await get(AbortSignal.timeout(300)).catch((error: unknown) => error);
    expect((failure as Error).name).toBe("TimeoutError");
  });

  it("recovers when set back to pass", async () => {
    await proxy.set({ kind: "pass" });
    expect(await (await get()).text()).toBe(BODY);
  });
});
