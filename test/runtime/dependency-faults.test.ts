import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../../lib/local/worker";
import { jobArtifacts } from "../../schema";
import type { FaultMode } from "../helpers/fault-proxy";
import { looseObjects, publicFile, type StackFaults, startStackFaults } from "../helpers/faults";
import { harness, settings } from "../helpers/harness";
import { bigZip, smallZip } from "../helpers/zips";

const run = promisify(execFile);
const h = harness();
const dir = mkdtempSync(join(tmpdir(), "artifact-edge-faults-"));
let faults: StackFaults;
let worker: LocalWorker;

beforeAll(async () => {
  faults = await startStackFaults(settings());
  worker = await startLocalWorker({
    // Short timeouts, so a stall is found out fast; production's defaults are in the README.
    settings: { ...settings(), ...faults.settings, STORAGE_TIMEOUT_MS: "500", DATABASE_TIMEOUT_MS: "2000" },
    logLevel: "none",
  });
}, 120_000);
afterAll(async () => {
  await faults?.close();
  await worker?.dispose();
});
afterEach(() => faults.pass());

/** The real curl against the Worker: status, headers and body, or curl's exit code when the transfer failed. */
async function curl(path: string, args: string[] = []) {
  const url = new URL(path, worker.url).toString();
  try {
    const { stdout } = await run("curl", ["--silent", "--show-error", "--include", ...args, url], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const [head = "", ...rest] = stdout.split("\r\n\r\n");
    const status = Number(head.split(" ")[1]);
    const header = (name: string) => new RegExp(`^${name}: (.*)$`, "im").exec(head)?.[1]?.trim() ?? null;
    return { status, header, body: rest.join("\r\n\r\n"), exit: 0 };
  } catch (error) {
    return { status: 0, header: () => null, body: "", exit: (error as { code?: number }).code ?? -1 };
  }
}

async function expectUnavailable(answer: Awaited<ReturnType<typeof curl>>) {
  expect(answer.status).toBe(503);
  expect(answer.header("content-type")).toBe("application/json");
  expect(answer.header("retry-after")).toBe("5");
  expect(JSON.parse(answer.body)).toEqual({ message: "503 Service Unavailable" });
}

const STORAGE_FAULTS: [string, FaultMode][] = [
  ["refuses connections", { kind: "refuse" }],
  ["answers 500", { kind: "http", status: 500 }],
  ["answers 503", { kind: "http", status: 503 }],
  ["resets connections", { kind: "reset", afterBytes: 0 }],
  ["stalls", { kind: "stall" }],
];

describe("the Worker in workerd, with storage that is not there", () => {
  it.each(STORAGE_FAULTS)("a single file is 503 JSON with Retry-After when storage %s", async (_, mode) => {
    const { file } = await publicFile(h);
    await faults.storage.set(mode);
    await expectUnavailable(await curl(file("notes.txt")));
  });

  it.each(STORAGE_FAULTS)("an archive streamed to Authorization is 503 JSON when storage %s", async (_, mode) => {
    const { archive } = await publicFile(h);
    const bearer = `Authorization: Bearer ${await h.make.pat(await h.make.user())}`;
    await faults.storage.set(mode);
    await expectUnavailable(await curl(archive, ["--header", bearer]));
  });

  it.each(STORAGE_FAULTS)("an upload is 503 and records nothing when storage %s", async (_, mode) => {
    const { job, token } = await h.make.job(await h.make.pipeline(await h.make.project()));
    const zip = join(dir, `upload-${job.id}.zip`);
    writeFileSync(zip, smallZip());
    await faults.storage.set(mode);
    await expectUnavailable(
      await curl(h.url.uploadJobArtifacts(job), ["--header", `JOB-TOKEN: ${token}`, "--form", `file=@${zip}`]),
    );
    await faults.storage.set({ kind: "pass" });
    expect(await h.db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id))).toEqual([]);
    expect(await looseObjects(h, job)).toEqual([]);
  });

  it.each([
    ["resets", { kind: "reset", afterBytes: 256 * 1024 }],
    ["stalls", { kind: "stall", afterBytes: 256 * 1024 }],
  ] as const)(
    "a download cut off mid-way when storage %s ends in curl's error, never a clean short file",
    async (_, mode) => {
      const { file } = await publicFile(h, bigZip(2 * 1024 * 1024));
      await faults.storage.set(mode);
      const answer = await curl(file("blob.bin"), ["--output", "/dev/null"]);
      // 18: partial file (fewer bytes than Content-Length); 56: failure receiving data.
      expect(answer.exit).toBeOneOf([18, 56]);
      await faults.storage.set({ kind: "pass" });
      const whole = await run("curl", [
        "--silent",
        "--fail",
        "--output",
        "/dev/null",
        "--write-out",
        "%{size_download}",
        new URL(file("blob.bin"), worker.url).toString(),
      ]);
      expect(Number(whole.stdout)).toBe(2 * 1024 * 1024);
    },
  );

  it("an archive streamed to Authorization that storage resets mid-way ends in curl's error", async () => {
    const { archive } = await publicFile(h, bigZip(2 * 1024 * 1024));
    const bearer = `Authorization: Bearer ${await h.make.pat(await h.make.user())}`;
    await faults.storage.set({ kind: "reset", afterBytes: 256 * 1024 });
    expect((await curl(archive, ["--header", bearer, "--output", "/dev/null"])).exit).toBeOneOf([18, 56]);
  });
});

describe("the Worker in workerd, with PostgreSQL that is not there", () => {
  // A download's one statement goes over SQL-over-HTTP (DATABASE_HTTP_PROXY); a stall is bounded
  // by DATABASE_TIMEOUT_MS, the endpoint's 5xx counts as unavailable as storage's does.
  it.each([
    ["refuses connections", { kind: "refuse" }],
    ["resets connections", { kind: "reset", afterBytes: 0 }],
    ["stalls", { kind: "stall" }],
    ["answers 500", { kind: "http", status: 500 }],
    ["answers 503", { kind: "http", status: 503 }],
  ] as [string, FaultMode][])(
    "the archive is 503 JSON with Retry-After when PostgreSQL %s, then served again",
    async (_, mode) => {
      const { archive } = await publicFile(h);
      await faults.database.set(mode);
      await expectUnavailable(await curl(archive));
      await faults.database.set({ kind: "pass" });
      expect((await curl(archive)).status).toBe(302);
    },
  );
});

describe("the Worker in workerd, with a runner that goes away mid-upload", () => {
  it("records nothing and leaves no object outside the deletion queue", async () => {
    const { job, token } = await h.make.job(await h.make.pipeline(await h.make.project()));
    const zip = join(dir, `abandoned-${job.id}.zip`);
    writeFileSync(zip, bigZip(8 * 1024 * 1024));
    // curl sends a few hundred KiB, then gives up: the runner killed half-way through its upload.
    const answer = await curl(h.url.uploadJobArtifacts(job), [
      "--header",
      `JOB-TOKEN: ${token}`,
      "--form",
      `file=@${zip}`,
      "--limit-rate",
      "256k",
      "--max-time",
      "1",
    ]);
    expect(answer.exit).toBe(28);
    // The Worker finds out when it next reads the body; what it leaves must hold from then on.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await h.db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id))).toEqual([]);
    expect(await looseObjects(h, job)).toEqual([]);
  });
});
