import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EDGE_CACHE_MAX_BYTES } from "../../lib/downloads/edge-cache";
import { startLocalWorker } from "../../lib/local/worker";
import { WHOLE_ENTRY_BYTES } from "../../lib/zip/reader";
import { ACCESS_LEVELS, jobArtifacts, jobs, pipelines, projects } from "../../schema";
import { text } from "../helpers/bytes";
import { type FaultProxy, startFaultProxy } from "../helpers/fault-proxy";
import { harness, settings, unique } from "../helpers/harness";
import { startHttpLatencyProxy } from "../helpers/latency-proxy";
import { bigZip, rawZip, smallZip } from "../helpers/zips";
import { startNode } from "../soak/targets";

const h = harness();
let faults: FaultProxy;
let proxy: Awaited<ReturnType<typeof startHttpLatencyProxy>>;
let served: { readonly url: URL; stop(): Promise<void> } | undefined;

/** Where public files are kept: the Worker's Workers Cache API, the Node entry's memory. */
const TARGETS: [string, (settings: Record<string, string>) => Promise<NonNullable<typeof served>>][] = [
  [
    "the Worker in workerd (the Workers Cache API)",
    async (settings) => {
      const worker = await startLocalWorker({ settings, logLevel: "error" });
      return { url: worker.url, stop: () => worker.dispose() };
    },
  ],
  [
    "the Node entry (memory, EDGE_CACHE_BYTES)",
    async (settings) => {
      const node = await startNode(settings);
      return { url: node.origin, stop: () => node.stop() };
    },
  ],
];

/** A finished job of a public project on main whose archive is unique to the test (so is its digest). */
async function published(
  files: Record<string, string> = { "notes.txt": `hello ${unique("edge")}\n` },
  visibility = "public",
) {
  const made = await h.make.jobWithArchive(smallZip(files), {
    project: { visibility: visibility as "public" },
    pipeline: { ref: "main" },
    job: { name: "build", status: "success" },
  });
  await h.make.finishPipeline(made.pipeline, "success");
  return {
    ...made,
    file: (path: string) => h.url.jobArtifactFile(made.project, made.job, path),
    latest: (path: string) => h.url.refArtifactFile(made.project, "main", path, "build"),
  };
}

/** One request to the Worker, its body read whole, and the storage requests it made for `key`. */
async function get(path: string, key: string, headers: Record<string, string> = {}, method = "GET") {
  const before = proxy.requests.length;
  // Uncompressed, so that Content-Length is the file's (workerd gzips text unless it answers a Range).
  const res = await fetch(new URL(path, served?.url), {
    method,
    headers: { "Accept-Encoding": "identity", ...headers },
  });
  // A body that breaks off (the connection reset mid-answer) reads as null.
  const bytes = await res.arrayBuffer().catch(() => null);
  const body = bytes && new TextDecoder().decode(bytes);
  const reads = proxy.requests.slice(before).filter((request) => request.path.endsWith(`/${key}`)).length;
  return { status: res.status, headers: res.headers, body, size: bytes?.byteLength, reads };
}

/**
 * Anonymous requests until one is answered from the cache: the copy is stored after the first
 * answer has gone out (waitUntil), so the next request may come before it lands. Bounded.
 */
async function cached(path: string, key: string) {
  return vi.waitFor(
    async () => {
      const answer = await get(path, key);
      expect(answer.status).toBe(200);
      expect(answer.reads).toBe(0);
      return answer;
    },
    { timeout: 10_000, interval: 50 },
  );
}

/** The headers a cached answer must repeat from the first one. */
const KEPT = ["content-type", "content-length", "content-disposition", "etag", "cache-control", "accept-ranges"];
const kept = (headers: Headers) => Object.fromEntries(KEPT.map((name) => [name, headers.get(name)]));

describe.each(TARGETS)("%s", (_, start) => {
  beforeAll(async () => {
    const stack = settings();
    const s3 = new URL(stack.S3_ENDPOINT ?? "");
    // The entry reaches storage only through the proxy, which counts its requests, and a fault
    // proxy behind it that can cut storage's answers off.
    faults = await startFaultProxy({ host: s3.hostname, port: Number(s3.port) });
    proxy = await startHttpLatencyProxy(`http://${faults.address}`);
    served = await start({ ...stack, S3_ENDPOINT: proxy.url });
  }, 120_000);
  afterAll(async () => {
    await served?.stop();
    await proxy?.close();
    await faults?.close();
  });

  describe("public single files from the edge cache", () => {
    it("serves the second anonymous request for a public file with no storage request, the same bytes and headers", async () => {
      const { file, stored } = await published();
      const first = await get(file("notes.txt"), stored.key);
      expect(first.status).toBe(200);
      expect(first.reads).toBeGreaterThan(0);
      const hit = await cached(file("notes.txt"), stored.key);
      expect(hit.body).toBe(first.body);
      expect(kept(hit.headers)).toEqual(kept(first.headers));
      expect(hit.headers.get("cache-control")).toBe("public, max-age=300");
      // And from then on, every time.
      for (let i = 0; i < 3; i++) expect((await get(file("notes.txt"), stored.key)).reads).toBe(0);
    });

    it("answers ranges, HEAD and If-None-Match from the copy, with the same answers as storage gives", async () => {
      const content = `0123456789 ${unique("range")}`;
      const { file, stored } = await published({ "digits.txt": content });
      const path = file("digits.txt");
      // Ranges, a 416 and HEADs, from storage: none of them stores a copy.
      const partial: [Record<string, string>, string][] = [
        [{ Range: "bytes=2-5" }, "GET"],
        [{ Range: "bytes=-4" }, "GET"],
        [{ Range: "bytes=3-" }, "GET"],
        [{ Range: `bytes=${content.length}-` }, "GET"],
        [{}, "HEAD"],
        [{ Range: "bytes=1-1" }, "HEAD"],
      ];
      const expected = [];
      for (const [headers, method] of partial) expected.push(await get(path, stored.key, headers, method));
      expect(expected.map((answer) => answer.status)).toEqual([206, 206, 206, 416, 200, 206]);
      const whole = await get(path, stored.key);
      expect(whole.reads).toBeGreaterThan(0);
      await cached(path, stored.key);
      // A range that is ignored, or asked If-Range of another version, is the whole file.
      const cases = [...partial, [{ Range: "bytes=5-2" }, "GET"], [{ Range: "bytes=2-5", "If-Range": '"old"' }, "GET"]];
      expected.push(whole, whole);
      for (const [i, [headers, method]] of cases.entries()) {
        const answer = await get(path, stored.key, headers as Record<string, string>, method as string);
        const want = expected[i];
        expect(answer.reads).toBe(0);
        expect([answer.status, answer.body]).toEqual([want?.status, want?.body]);
        expect({ ...kept(answer.headers), range: answer.headers.get("content-range") }).toEqual({
          ...kept(want?.headers ?? new Headers()),
          range: want?.headers.get("content-range"),
        });
      }
      const etag = (await get(path, stored.key)).headers.get("etag") ?? "";
      const unchanged = await get(path, stored.key, { "If-None-Match": etag });
      expect([unchanged.status, unchanged.reads]).toEqual([304, 0]);
    });

    it("keeps a copy per route's type rule: the job route types by extension, the ref route sniffs", async () => {
      const { file, latest, stored } = await published({ "page.html": `<html><body>${unique("page")}</body></html>` });
      for (const path of [file("page.html"), latest("page.html")]) {
        expect((await get(path, stored.key)).reads).toBeGreaterThan(0);
        await cached(path, stored.key);
      }
      const byJob = await get(file("page.html"), stored.key);
      const byRef = await get(latest("page.html"), stored.key);
      expect([byJob.reads, byRef.reads]).toEqual([0, 0]);
      expect(byJob.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(byRef.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(byRef.headers.get("cache-control")).toBe("public, max-age=60");
      expect(byRef.body).toBe(byJob.body);
    });

    it("never stores a file larger than EDGE_CACHE_MAX_BYTES", async () => {
      const { file, stored } = await published({ "big.txt": "x".repeat(EDGE_CACHE_MAX_BYTES + 1) });
      const sentinel = await published();
      for (let i = 0; i < 2; i++) {
        const answer = await get(file("big.txt"), stored.key);
        expect([answer.status, answer.body?.length]).toEqual([200, EDGE_CACHE_MAX_BYTES + 1]);
        expect(answer.reads).toBeGreaterThan(0);
      }
      // A copy stored after those answers has landed, and still the big file is read from storage.
      await get(sentinel.file("notes.txt"), sentinel.stored.key);
      await cached(sentinel.file("notes.txt"), sentinel.stored.key);
      expect((await get(file("big.txt"), stored.key)).reads).toBeGreaterThan(0);
    });
  });

  describe("what never touches the edge cache", () => {
    it.each([
      ["resets", { kind: "reset", afterBytes: 256 * 1024 }],
      ["stalls", { kind: "stall", afterBytes: 256 * 1024 }],
    ] as const)("a file cut off mid-way when storage %s is never stored", async (_, mode) => {
      const made = await h.make.jobWithArchive(bigZip(2 * 1024 * 1024), {
        project: { visibility: "public" },
        job: { status: "success" },
      });
      const path = h.url.jobArtifactFile(made.project, made.job, "blob.bin");
      await faults.set(mode);
      try {
        expect((await get(path, made.stored.key)).body).toBeNull();
      } finally {
        await faults.set({ kind: "pass" });
      }
      const sentinel = await published();
      await get(sentinel.file("notes.txt"), sentinel.stored.key);
      await cached(sentinel.file("notes.txt"), sentinel.stored.key);
      const whole = await get(path, made.stored.key);
      expect([whole.status, whole.size, whole.reads > 0]).toEqual([200, 2 * 1024 * 1024, true]);
    });

    it.each([
      // Past WHOLE_ENTRY_BYTES the file streams: its CRC-32 is known only once the answer is under way.
      ["a streamed file whose body breaks off", WHOLE_ENTRY_BYTES + 1, 200, null],
      // A small one is checked whole first (lib/zip/reader.ts readWholeEntry): Workhorse's 500.
      ["a small file refused before its answer", 100, 500, "Internal Server Error\n"],
    ])("%s (its CRC-32 does not match) is never stored", async (_, size, status, body) => {
      const content = text(`damaged ${unique("crc")}\n`.padEnd(size, "x"));
      const made = await h.make.jobWithArchive(rawZip([{ name: "bad.txt", content, crc32: 1 }]), {
        project: { visibility: "public" },
        job: { status: "success" },
      });
      const path = h.url.jobArtifactFile(made.project, made.job, "bad.txt");
      const sentinel = await published();
      for (let i = 0; i < 2; i++) {
        const answer = await get(path, made.stored.key);
        expect([answer.status, answer.body, answer.reads > 0]).toEqual([status, body, true]);
        if (i === 0) {
          await get(sentinel.file("notes.txt"), sentinel.stored.key);
          await cached(sentinel.file("notes.txt"), sentinel.stored.key);
        }
      }
    });

    it.each([
      ["a personal access token", (token: string) => ({ "PRIVATE-TOKEN": token })],
      ["a Bearer token", (token: string) => ({ Authorization: `Bearer ${token}` })],
    ])("a request with %s reads storage, even with a copy in the cache, and stores none", async (_, headers) => {
      const { project, file, stored } = await published();
      const { token } = await h.make.memberWithToken(project, ACCESS_LEVELS.reporter);
      // Asked with the credential first: nothing may be stored for anyone.
      for (let i = 0; i < 2; i++) {
        const answer = await get(file("notes.txt"), stored.key, headers(token));
        expect([answer.status, answer.reads > 0]).toEqual([200, true]);
      }
      const sentinel = await published();
      await get(sentinel.file("notes.txt"), sentinel.stored.key);
      await cached(sentinel.file("notes.txt"), sentinel.stored.key);
      expect((await get(file("notes.txt"), stored.key)).reads).toBeGreaterThan(0);
      // With a copy in the cache, the credential still reads storage.
      await cached(file("notes.txt"), stored.key);
      for (let i = 0; i < 2; i++) {
        expect((await get(file("notes.txt"), stored.key, headers(token))).reads).toBeGreaterThan(0);
      }
    });

    it("a job token reads storage, even with a copy in the cache", async () => {
      const { file, stored, pipeline } = await published();
      const { token } = await h.make.job(pipeline, { name: "deploy", status: "running" });
      await get(file("notes.txt"), stored.key);
      await cached(file("notes.txt"), stored.key);
      const asHeader = await get(file("notes.txt"), stored.key, { "JOB-TOKEN": token });
      const asParameter = await get(`${file("notes.txt")}?job_token=${token}`, stored.key);
      for (const answer of [asHeader, asParameter]) expect([answer.status, answer.reads > 0]).toEqual([200, true]);
    });

    it.each(["private", "internal"] as const)(
      "a %s project's files are read from storage every time",
      async (visibility) => {
        const { project, file, stored } = await published(undefined, visibility);
        const { token } = await h.make.memberWithToken(project, ACCESS_LEVELS.developer);
        expect((await get(file("notes.txt"), stored.key)).status).toBe(404);
        const sentinel = await published();
        for (let i = 0; i < 3; i++) {
          const answer = await get(file("notes.txt"), stored.key, { "PRIVATE-TOKEN": token });
          expect([answer.status, answer.reads > 0]).toEqual([200, true]);
          if (i === 0) {
            await get(sentinel.file("notes.txt"), sentinel.stored.key);
            await cached(sentinel.file("notes.txt"), sentinel.stored.key);
          }
        }
      },
    );
  });

  describe("the SQL statement runs first: a cached copy is never served once the file is gone or closed", () => {
    it.each([
      [
        "the project turned private",
        (made: Awaited<ReturnType<typeof published>>) =>
          h.db.update(projects).set({ visibility: "private" }).where(eq(projects.id, made.project.id)),
        404,
        { message: "404 Project Not Found" },
      ],
      [
        "its pipelines no longer public",
        (made: Awaited<ReturnType<typeof published>>) =>
          h.db.update(projects).set({ public_builds: false }).where(eq(projects.id, made.project.id)),
        403,
        { message: "403 Forbidden" },
      ],
      [
        "the artifacts expired (their pipeline unlocked)",
        async (made: Awaited<ReturnType<typeof published>>) => {
          await h.db.update(pipelines).set({ locked: "unlocked" }).where(eq(pipelines.id, made.pipeline.id));
          await h.db
            .update(jobs)
            .set({ artifacts_expire_at: new Date(Date.now() - 60_000) })
            .where(eq(jobs.id, made.job.id));
        },
        404,
        { message: "404 Not Found" },
      ],
      [
        "the artifacts deleted",
        async (made: Awaited<ReturnType<typeof published>>) => {
          const res = await fetch(new URL(h.url.jobArtifacts(made.project, made.job), served?.url), {
            method: "DELETE",
            headers: h.admin,
          });
          expect(res.status).toBe(204);
        },
        404,
        { message: "404 Not Found" },
      ],
      [
        "the archive made developer-only (artifacts:access)",
        (made: Awaited<ReturnType<typeof published>>) =>
          h.db.update(jobArtifacts).set({ accessibility: "private" }).where(eq(jobArtifacts.job_id, made.job.id)),
        403,
        { message: "403 Forbidden" },
      ],
    ])("after %s", async (_, change, status, body) => {
      const made = await published();
      await get(made.file("notes.txt"), made.stored.key);
      await cached(made.file("notes.txt"), made.stored.key);
      await change(made);
      const answer = await get(made.file("notes.txt"), made.stored.key);
      expect(answer.status).toBe(status);
      expect(JSON.parse(answer.body ?? "")).toEqual(body);
      expect(answer.reads).toBe(0);
    });
  });
});
