import { execFile } from "node:child_process";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { serve } from "@hono/node-server";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../../functions/app";
import { nodeWebSocket } from "../../../lib/local/node-websocket";
import { jsonLogger, type LogRecord } from "../../../lib/platform/log";
import { type Services, servicesFrom } from "../../../lib/platform/services";
import { jobArtifacts } from "../../../schema";
import { contractFetch } from "../../helpers/contract";
import type { FaultMode } from "../../helpers/fault-proxy";
import { looseObjects, publicFile, type StackFaults, startStackFaults } from "../../helpers/faults";
import { harness, settings } from "../../helpers/harness";
import { bigZip, multipartUpload, smallZip } from "../../helpers/zips";

const run = promisify(execFile);
const h = harness();
/**
 * Short, so a stall is found out fast; production's defaults are in the README. PostgreSQL's is
 * longer: a new connection (WebSocket bridge, SCRAM) must open within it on two busy cores.
 */
const STORAGE_TIMEOUT_MS = "400";
const DATABASE_TIMEOUT_MS = "2000";

let faults: StackFaults;
let services: Services;
let app: ReturnType<typeof createApp>;
const logs: LogRecord[] = [];

beforeAll(async () => {
  faults = await startStackFaults(settings());
  const built = servicesFrom(
    { ...settings(), ...faults.settings, STORAGE_TIMEOUT_MS, DATABASE_TIMEOUT_MS },
    nodeWebSocket,
  );
  // Two connections: enough for a stuck one to be handed out again after recovery.
  const opened = built.open(2);
  services = { ...opened.services, log: jsonLogger((record) => logs.push(record)) };
  app = createApp(async () => ({ services }));
  return async () => {
    // The proxies first: a connection they broke may never answer the pool's goodbye.
    await faults.close();
    await opened.close();
  };
});
afterEach(async () => {
  await faults.pass();
  logs.length = 0;
});

const fetchApp = (path: string, init?: RequestInit) => contractFetch(app)(path, init);

/** The one answer for a dependency that is not there: 503, Grape's JSON, Retry-After, one log line. */
async function expectUnavailable(res: Response) {
  expect(res.status).toBe(503);
  expect(res.headers.get("content-type")).toBe("application/json");
  expect(res.headers.get("retry-after")).toBe("5");
  expect(await res.json()).toEqual({ message: "503 Service Unavailable" });
  expect(logs).toMatchObject([{ level: "error", message: "server error", status: 503 }]);
  const written = JSON.stringify(logs);
  expect(written).not.toContain("params:");
  expect(written).not.toMatch(/X-Amz-(Signature|Credential)/i);
}

/** The codes (SQLSTATE, errno, S3 code) and names along the logged cause chain. */
const loggedCauses = () =>
  (logs[0]?.cause as { name: string; code?: string; message: string }[] | undefined)?.flatMap((link) => [
    link.name,
    link.code ?? "",
    link.message,
  ]) ?? [];

const STORAGE_FAULTS: [string, FaultMode, string][] = [
  ["refuses connections", { kind: "refuse" }, "ECONNREFUSED"],
  ["answers 500", { kind: "http", status: 500 }, "InternalError"],
  ["answers 503", { kind: "http", status: 503 }, "ServiceUnavailable"],
  ["resets connections", { kind: "reset", afterBytes: 0 }, "ECONNRESET"],
  ["stalls", { kind: "stall" }, "TimeoutError"],
];

describe("storage that is not there: 503 with Retry-After, never a hang or Workhorse's plain-text 500", () => {
  it.each(STORAGE_FAULTS)("a single file, when storage %s", async (_, mode, cause) => {
    const { file } = await publicFile(h);
    await faults.storage.set(mode);
    await expectUnavailable(await fetchApp(file("notes.txt")));
    expect(loggedCauses()).toContain(cause);
    expect(logs[0]).toMatchObject({ failure: "unknown" });
  });

  it.each(STORAGE_FAULTS)(
    "an archive streamed to a caller with Authorization, when storage %s",
    async (_, mode, cause) => {
      const { archive } = await publicFile(h);
      const headers = { Authorization: `Bearer ${await h.make.pat(await h.make.user())}` };
      await faults.storage.set(mode);
      await expectUnavailable(await fetchApp(archive, { headers }));
      expect(loggedCauses()).toContain(cause);
    },
  );

  it.each(STORAGE_FAULTS)("an upload, when storage %s: no artifact recorded", async (_, mode) => {
    const { job, token } = await h.make.job(await h.make.pipeline(await h.make.project()));
    await faults.storage.set(mode);
    const res = await fetchApp(h.url.uploadJobArtifacts(job), {
      method: "POST",
      headers: { "JOB-TOKEN": token },
      body: multipartUpload(smallZip()),
    });
    await expectUnavailable(res);
    await faults.storage.set({ kind: "pass" });
    expect(await h.db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id))).toEqual([]);
    expect(await looseObjects(h, job)).toEqual([]);
  });

  it("and recovers by itself: the next request after storage returns is served", async () => {
    const { file } = await publicFile(h);
    await faults.storage.set({ kind: "stall" });
    expect((await fetchApp(file("notes.txt"))).status).toBe(503);
    await faults.storage.set({ kind: "pass" });
    const res = await fetchApp(file("notes.txt"));
    expect([res.status, await res.text()]).toEqual([200, "hello\n"]);
  });
});

const DATABASE_FAULTS: [string, FaultMode][] = [
  ["refuses connections", { kind: "refuse" }],
  ["resets connections", { kind: "reset", afterBytes: 0 }],
  ["stalls", { kind: "stall" }],
];

describe("PostgreSQL that is not there: 503 with Retry-After, never a hang", () => {
  it.each(DATABASE_FAULTS)("the archive of a job, when PostgreSQL %s", async (_, mode) => {
    const { archive } = await publicFile(h);
    // A connection the pool already holds, and new ones, both meet the fault.
    expect((await fetchApp(archive)).status).toBe(302);
    await faults.database.set(mode);
    await expectUnavailable(await fetchApp(archive));
    await faults.database.set({ kind: "pass" });
    expect((await fetchApp(archive)).status).toBe(302);
  });

  it("transactions whose BEGIN meets a stalled connection give it back: the pool is not emptied", async () => {
    // Two idle connections, the pool's whole size: each will meet the stall on BEGIN.
    await Promise.all([services.db.execute(sql`select pg_sleep(0.05)`), services.db.execute(sql`select 1`)]);
    await faults.database.set({ kind: "stall" });
    for (let i = 0; i < 3; i++) {
      await expect(services.db.transaction((tx) => tx.execute(sql`select 1`))).rejects.toThrow();
    }
    await faults.database.set({ kind: "pass" });
    expect(await services.db.transaction(async (tx) => (await tx.execute(sql`select 2 as two`)).rows)).toEqual([
      { two: 2 },
    ]);
  });

  it("a connection whose transaction stalled half-way is not handed out again once PostgreSQL is back", async () => {
    const stalled = services.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await faults.database.set({ kind: "stall" });
      await tx.execute(sql`select 2`);
    });
    await expect(stalled).rejects.toThrow();
    await faults.database.set({ kind: "pass" });
    for (let i = 0; i < 3; i++) expect((await services.db.execute(sql`select 1 as one`)).rows).toEqual([{ one: 1 }]);
  });

  it("PostgreSQL ending a connection under a query (57P01, as when it restarts) is a 503, logged with its code", async () => {
    // The harness's pool (no short timeout) runs the query; the server ends its connection.
    const marker = `fault_${Date.now()}`;
    const running = h.db.execute(sql.raw(`select pg_sleep(20) as ${marker}`)).catch((error: unknown) => error);
    await expect
      .poll(async () => {
        const { rows } = await h.db.execute(
          sql`select pg_terminate_backend(pid) as ended from pg_stat_activity where query like ${`%${marker}%`} and pid <> pg_backend_pid()`,
        );
        return rows.length;
      })
      .toBe(1);
    const failure = await running;
    const answer = createApp(async () => ({ services }));
    answer.get("/fails", () => {
      throw failure;
    });
    await expectUnavailable(await answer.request("/fails"));
    expect(logs[0]?.cause).toContainEqual(
      expect.objectContaining({ code: "57P01", message: "terminating connection due to administrator command" }),
    );
    expect((await h.db.execute(sql`select 1 as one`)).rows).toEqual([{ one: 1 }]);
  });

  it("the log line keeps what PostgreSQL's driver said, without the statement or its parameters", async () => {
    const { archive } = await publicFile(h);
    const token = await h.make.pat(await h.make.user());
    await faults.database.set({ kind: "stall" });
    await expectUnavailable(await fetchApp(archive, { headers: { "PRIVATE-TOKEN": token } }));
    expect(JSON.stringify(logs)).not.toContain(token);
    expect(loggedCauses().join(" ")).toMatch(/timeout/i);
  });
});

/** A multipart body that sends `head` of the zip, then waits for `between`, then the rest (or errors). */
function slowUpload(zip: Uint8Array, head: number, between: () => Promise<void>, fail = false) {
  const boundary = "fault-boundary";
  const encoder = new TextEncoder();
  const opening = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="artifacts.zip"\r\nContent-Type: application/zip\r\n\r\n`,
  );
  const closing = encoder.encode(`\r\n--${boundary}--\r\n`);
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(opening);
      controller.enqueue(zip.subarray(0, head));
      await between();
      if (fail) {
        controller.error(new Error("client went away"));
        return;
      }
      controller.enqueue(zip.subarray(head));
      controller.enqueue(closing);
      controller.close();
    },
  });
  return {
    method: "POST",
    body,
    duplex: "half",
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
  } as RequestInit;
}

describe("an interrupted upload records nothing and leaves no object outside the deletion queue", () => {
  it("the runner goes away half-way", async () => {
    const { job, token } = await h.make.job(await h.make.pipeline(await h.make.project()));
    const init = slowUpload(bigZip(7 * 1024 * 1024), 6 * 1024 * 1024, async () => {}, true);
    const res = await Promise.resolve(
      fetchApp(h.url.uploadJobArtifacts(job), {
        ...init,
        headers: { ...(init.headers as Record<string, string>), "JOB-TOKEN": token },
      }),
    ).catch((error: unknown) => error);
    if (res instanceof Response) expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await h.db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id))).toEqual([]);
    expect(await looseObjects(h, job)).toEqual([]);
  });

  it("PostgreSQL goes away while the archive streams: 503, and the stored object is deleted", async () => {
    const { job, token } = await h.make.job(await h.make.pipeline(await h.make.project()));
    const init = slowUpload(smallZip({ "a.txt": "a".repeat(10_000) }), 100, () =>
      faults.database.set({ kind: "refuse" }),
    );
    const res = await fetchApp(h.url.uploadJobArtifacts(job), {
      ...init,
      headers: { ...(init.headers as Record<string, string>), "JOB-TOKEN": token },
    });
    await expectUnavailable(res);
    expect(await h.db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id))).toEqual([]);
    expect(await looseObjects(h, job)).toEqual([]);
  });
});

/** The app on Node over real HTTP, as functions/node.ts serves it. */
function nodeServer() {
  const server = serve({ fetch: (request) => app.fetch(request), port: 0, hostname: "127.0.0.1" });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as Server).closeAllConnections();
      }),
  );
  return () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("a download that storage breaks off mid-way ends in an error, never a short file that looks whole", () => {
  const base = nodeServer();
  const big = () => publicFile(h, bigZip(2 * 1024 * 1024));

  it("in-process: the body fails when storage resets the connection", async () => {
    const { file } = await big();
    await faults.storage.set({ kind: "reset", afterBytes: 256 * 1024 });
    const res = await fetchApp(file("blob.bin"));
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
    expect(logs).toMatchObject([{ message: "archive read failed mid-answer" }]);
  });

  it("in-process: the body fails when storage stops sending (the idle limit)", async () => {
    const { file } = await big();
    await faults.storage.set({ kind: "stall", afterBytes: 256 * 1024 });
    const res = await fetchApp(file("blob.bin"));
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow(/storage sent nothing/);
    expect(loggedCauses()).toContain("StorageTimeoutError");
  });

  it("a client that goes away while the next bytes are awaited is no error: nothing is logged", async () => {
    const { file } = await big();
    await faults.storage.set({ kind: "stall", afterBytes: 256 * 1024 });
    const res = await fetchApp(file("blob.bin"));
    const reader = res.body?.getReader();
    // Read until storage stalls: the last read stays pending, a pull waiting on storage.
    for (;;) {
      const next = await Promise.race([reader?.read(), new Promise<null>((r) => setTimeout(r, 100, null))]);
      if (!next || next.done) break;
    }
    await reader?.cancel(new Error("client went away"));
    await faults.pass();
    // The storage read the pull awaited ends (the proxy lets go), after the client left.
    await new Promise((r) => setTimeout(r, 200));
    expect(logs).toEqual([]);
  });

  it.each([
    ["resets", { kind: "reset", afterBytes: 256 * 1024 }],
    ["stalls", { kind: "stall", afterBytes: 256 * 1024 }],
  ] as const)("on Node over HTTP: curl reports a transfer cut short when storage %s", async (_, mode) => {
    const { file } = await big();
    await faults.storage.set(mode);
    const failure = await run("curl", [
      "--silent",
      "--show-error",
      "--output",
      "/dev/null",
      `${base()}${file("blob.bin")}`,
    ])
      .then(() => undefined)
      .catch((error: { code?: number; stderr?: string }) => error);
    // 18: partial file (fewer bytes than Content-Length); 56: failure receiving data.
    expect(failure?.code).toBeOneOf([18, 56]);
    if (mode.kind === "stall") expect(loggedCauses()).toContain("StorageTimeoutError");
  });

  it("and the next download after storage returns is whole", async () => {
    const { file, zip } = await big();
    await faults.storage.set({ kind: "reset", afterBytes: 1024 });
    const broken = await fetchApp(file("blob.bin"));
    await expect(broken.arrayBuffer()).rejects.toThrow();
    await faults.storage.set({ kind: "pass" });
    const res = await globalThis.fetch(`${base()}${file("blob.bin")}`);
    expect((await res.arrayBuffer()).byteLength).toBe(2 * 1024 * 1024);
    expect(zip.length).toBeGreaterThan(2 * 1024 * 1024);
  });

  it("an archive streamed to a caller with Authorization: curl reports a transfer cut short", async () => {
    const { archive } = await big();
    const token = await h.make.pat(await h.make.user());
    await faults.storage.set({ kind: "reset", afterBytes: 256 * 1024 });
    const failure = await run("curl", [
      "--silent",
      "--output",
      "/dev/null",
      "--header",
      `Authorization: Bearer ${token}`,
      `${base()}${archive}`,
    ])
      .then(() => undefined)
      .catch((error: { code?: number }) => error);
    expect(failure?.code).toBeOneOf([18, 56]);
    expect(logs).toMatchObject([{ message: "archive stream failed mid-answer" }]);
  });

  it("an archive storage holds fewer bytes of than recorded ends in an error, never a short archive", async () => {
    const { archive, stored } = await publicFile(h);
    await h.storage.upload(stored.key, new Blob([new Uint8Array(10)]).stream(), "application/zip");
    const token = await h.make.pat(await h.make.user());
    const res = await fetchApp(archive, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow(/storage sent 10 of/);
    expect(logs).toMatchObject([{ message: "archive stream failed mid-answer" }]);
  });
});
