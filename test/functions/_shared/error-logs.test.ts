import { eq } from "drizzle-orm";
import { zipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../../../functions/app";
import { sha256Hex } from "../../../lib/auth/tokens";
import { nodeWebSocket } from "../../../lib/local/node-websocket";
import { freePort } from "../../../lib/local/stack";
import { jsonLogger, type LogRecord } from "../../../lib/platform/log";
import { servicesFrom } from "../../../lib/platform/services";
import { WHOLE_ENTRY_BYTES } from "../../../lib/zip/reader";
import { jobArtifacts } from "../../../schema";
import { factories } from "../../helpers/factories";
import { ADMIN_TOKEN, harness, settings } from "../../helpers/harness";

const { app, fetch, db, storage, logs } = harness();
const make = factories(db, storage);
const text = (value: string) => new TextEncoder().encode(value);

/** The app over a second, broken set of services (a database or bucket that is not there), logging into `logs`. */
function brokenApp(overrides: Record<string, string>) {
  const { services, close } = servicesFrom({ ...settings(), ...overrides }, nodeWebSocket).open(1);
  const records: LogRecord[] = [];
  const app = createApp(async () => ({ services: { ...services, log: jsonLogger((record) => records.push(record)) } }));
  afterAll(close);
  return { app, logs: records };
}

/** What must never reach a log line: credentials, their digests, SQL parameters, signatures. */
function expectNoSecrets(records: LogRecord[], token: string) {
  const written = JSON.stringify(records);
  for (const secret of [token, sha256Hex(token), ADMIN_TOKEN, settings().S3_SECRET_ACCESS_KEY ?? "", "params:"]) {
    expect(written).not.toContain(secret);
  }
  expect(written).not.toMatch(/X-Amz-(Signature|Credential)/i);
}

async function publicJob(files: Record<string, Uint8Array> = { "notes.txt": text("hello\n") }) {
  const project = await make.project({ visibility: "public" });
  const pipeline = await make.pipeline(project, { ref: "main" });
  const { job } = await make.job(pipeline, { name: "build", status: "success" });
  const stored = await make.archive(job, zipSync(files));
  await make.finishPipeline(pipeline, "success");
  return {
    project,
    job,
    stored,
    file: (path: string) => `/api/v4/projects/${project.id}/jobs/${job.id}/artifacts/${path}`,
    raw: (path: string) => `/api/v4/projects/${project.id}/jobs/artifacts/main/raw/${path}?job=build`,
  };
}

/** Rewrites every local header and central record of `zip` (`central` tells which one `at` starts). */
function patchRecords(zip: Uint8Array, patch: (view: DataView, at: number, central: boolean) => void): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let at = 0; at + 4 <= zip.length; at++) {
    const signature = view.getUint32(at, true);
    if (signature === 0x04034b50 || signature === 0x02014b50) patch(view, at, signature === 0x02014b50);
  }
  return zip;
}

/** A zip whose one entry says it is encrypted. */
const encryptedZip = () =>
  patchRecords(zipSync({ "secret.txt": [text("not really encrypted"), { level: 0 }] }), (view, at, central) => {
    const flags = at + (central ? 8 : 6);
    view.setUint16(flags, view.getUint16(flags, true) | 1, true);
  });

/** A zip whose one entry's recorded CRC-32 is off by one bit: found out only at the entry's end. */
/** A stored data.txt of `lines` lines whose CRC-32 (in both records) is off by one bit. */
const wrongCrcZip = (lines: number) =>
  patchRecords(
    zipSync({ "data.txt": [text("checked at the end\n".repeat(lines)), { level: 0 }] }),
    (view, at, central) => {
      const crc = at + (central ? 16 : 14);
      view.setUint32(crc, view.getUint32(crc, true) ^ 1, true);
    },
  );

describe("every 5xx logs one JSON line with the request id and its cause chain", () => {
  const database = new URL(settings().DATABASE_URL ?? "");
  database.pathname = "/no_such_database";
  const noDatabase = brokenApp({ DATABASE_URL: database.toString() });

  it("a query that fails in PostgreSQL: its SQLSTATE and message, never the token, its digest or the parameters", async () => {
    const owner = await make.user();
    const token = await make.pat(owner);
    const path = "/api/v4/projects/1/jobs/1/artifacts";
    const res = await noDatabase.app.request(path, { headers: { "PRIVATE-TOKEN": token } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ message: "500 Internal Server Error" });
    expect(noDatabase.logs).toEqual([
      {
        level: "error",
        message: "server error",
        requestId: res.headers.get("x-request-id"),
        method: "GET",
        path,
        status: 500,
        cause: [
          { name: "DrizzleQueryError", message: "Failed query" },
          { name: "DatabaseError", message: 'database "no_such_database" does not exist', code: "3D000" },
        ],
        stack: expect.arrayContaining([expect.stringContaining("lookupDownload")]),
      },
    ]);
    expectNoSecrets(noDatabase.logs, token);
  });

  it("storage that does not answer: 503 (lib/platform/unavailable.ts), labelled unknown, with the socket's ECONNREFUSED", async () => {
    const { file, stored } = await publicJob();
    const noStorage = brokenApp({ S3_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    const res = await noStorage.app.request(file("notes.txt"));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ message: "503 Service Unavailable" });
    expect(noStorage.logs).toHaveLength(1);
    const [record] = noStorage.logs;
    expect(record).toMatchObject({
      level: "error",
      message: "server error",
      requestId: res.headers.get("x-request-id"),
      status: 503,
      failure: "unknown",
      key: stored.key,
    });
    expect(record?.cause).toContainEqual(expect.objectContaining({ code: "ECONNREFUSED" }));
    expectNoSecrets(noStorage.logs, "glpat-");
  });
});

describe("zip failures carry Workhorse's labels, in the answer's mapping and the log line", () => {
  it.each([
    ["archive_invalid", "an unindexed archive that is not a zip", false],
    ["entry_corrupt", "an indexed archive whose object is no longer a zip", true],
  ])("%s: %s (the ref route sniffs, so the failure comes before the answer)", async (label, _, indexed) => {
    const { raw, stored } = await publicJob();
    const junk = "not a zip at all, just text, long enough to pass 22 bytes";
    await storage.upload(stored.key, new Blob([junk]).stream(), "text/plain");
    await db
      .update(jobArtifacts)
      .set({ size: junk.length, entries_indexed: indexed })
      .where(eq(jobArtifacts.storage_key, stored.key));
    logs.length = 0;
    const res = await fetch(raw("notes.txt"));
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("Internal Server Error\n");
    expect(logs).toMatchObject([{ level: "error", message: "server error", status: 500, failure: label }]);
    expect(logs[0]).toHaveProperty("key", stored.key);
  });

  it("entry_unsupported: an encrypted entry", async () => {
    const project = await make.project({ visibility: "public" });
    const { job } = await make.job(await make.pipeline(project));
    await make.archive(job, encryptedZip());
    logs.length = 0;
    const res = await fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts/secret.txt`);
    expect(res.status).toBe(500);
    expect(logs).toMatchObject([{ status: 500, failure: "entry_unsupported" }]);
  });

  it("entry_corrupt in a small entry (read whole): found before the answer, a 500 with its label", async () => {
    const project = await make.project({ visibility: "public" });
    const { job } = await make.job(await make.pipeline(project));
    const stored = await make.archive(job, wrongCrcZip(100));
    logs.length = 0;
    const res = await fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts/data.txt`);
    expect([res.status, await res.text()]).toEqual([500, "Internal Server Error\n"]);
    expect(logs).toMatchObject([{ level: "error", message: "server error", status: 500, failure: "entry_corrupt" }]);
    expect(logs[0]).toHaveProperty("key", stored.key);
  });

  it("entry_corrupt after the answer began: the connection is reset and the failure logged with its label", async () => {
    const project = await make.project({ visibility: "public" });
    const { job } = await make.job(await make.pipeline(project));
    // Past WHOLE_ENTRY_BYTES the entry streams: its CRC-32 is known only at its end.
    const stored = await make.archive(job, wrongCrcZip(Math.ceil(WHOLE_ENTRY_BYTES / 19) + 1));
    logs.length = 0;
    const res = await fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts/data.txt`);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow("entry CRC-32 does not match");
    expect(logs).toEqual([
      {
        level: "error",
        message: "archive read failed mid-answer",
        requestId: res.headers.get("x-request-id"),
        failure: "entry_corrupt",
        key: stored.key,
        cause: [{ name: "CorruptEntryError", message: "entry CRC-32 does not match" }],
      },
    ]);
  });

  it("archive_not_found is the client's 404, not logged; marked inline on the sniffing ref route", async () => {
    const { file, raw, stored } = await publicJob();
    await storage.delete([stored.key]);
    logs.length = 0;
    const byJob = await fetch(file("notes.txt"));
    expect([byJob.status, await byJob.text(), byJob.headers.get("content-disposition")]).toEqual([
      404,
      "404 page not found\n",
      null,
    ]);
    // Workhorse's contentprocessor marks every answer of the raw route inline, this 404 too.
    const byRef = await fetch(raw("notes.txt"));
    expect([byRef.status, await byRef.text(), byRef.headers.get("content-disposition")]).toEqual([
      404,
      "404 page not found\n",
      "inline",
    ]);
    expect(logs).toEqual([]);
  });
});

/** A request as Cloudflare's edge hands it to the Worker: with `request.cf` (Node's requests have none). */
function throughCloudflare(path: string, headers: Record<string, string>): Request {
  const request = new Request(new URL(path, "http://localhost"), { headers });
  Object.defineProperty(request, "cf", { value: { colo: "AMS" } });
  return request;
}

describe("the request id", () => {
  const fresh = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  it.each([
    ["Cloudflare's cf-ray", "8f1c2d3e4a5b6c7d-AMS", true],
    ["255 characters of [\\w-=]", "a=-_".repeat(63).concat("xyz"), true],
    ["256 characters", "a".repeat(256), false],
    ["a space", "forged id", false],
    ["markup", "<script>", false],
    ["a dot", "id.forged", false],
  ])("a cf-ray through Cloudflare with %s is %s", async (_, incoming, kept) => {
    const res = await app.request(throughCloudflare("/api/v4/no-such-route", { "cf-ray": incoming }));
    expect(res.status).toBe(404);
    const id = res.headers.get("x-request-id");
    if (kept) expect(id).toBe(incoming);
    else expect(id).toMatch(fresh);
  });

  it("ignores a cf-ray that did not come through Cloudflare (a client on the Node entry chose it)", async () => {
    const res = await fetch("/api/v4/no-such-route", { headers: { "cf-ray": "attacker-chosen-id" } });
    expect(res.headers.get("x-request-id")).toMatch(fresh);
  });

  it("is on every line lib/ logs for the request", async () => {
    const project = await make.project({ visibility: "public" });
    const { job } = await make.job(await make.pipeline(project));
    await make.archive(job, encryptedZip());
    logs.length = 0;
    const res = await app.request(
      throughCloudflare(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts/secret.txt`, { "cf-ray": "ray-1234" }),
    );
    expect(res.headers.get("x-request-id")).toBe("ray-1234");
    expect(logs.map((record) => record.requestId)).toEqual(["ray-1234"]);
  });
});
