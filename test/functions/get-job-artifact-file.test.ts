import { readFileSync } from "node:fs";
import { eq } from "drizzle-orm";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { artifactEntries, jobArtifacts, jobs, pipelines } from "../../schema";
import { factories } from "../helpers/factories";
import { body, harness } from "../helpers/harness";

const { fetch, db, storage, cost } = harness();
const make = factories(db, storage);
const text = (value: string) => new TextEncoder().encode(value);

const FILES = {
  "index.html": text("<!doctype html><h1>hi</h1>\n"),
  "app.js": text("console.log(1)\n"),
  "data.json": text('{"a":1}\n'),
  "notes.txt": text("plain notes\n"),
  "logo.svg": text('<svg xmlns="http://www.w3.org/2000/svg"/>'),
  blob: Uint8Array.from({ length: 300 }, (_, i) => i % 256),
  "dir/with space/a #1.txt": text("spaced"),
  'q"uote\\d.txt': text("quoted"),
  "Case.txt": text("upper"),
  "big/stored.bin": Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) % 251),
  "big/deflated.txt": text("line of text that compresses well\n".repeat(5000)),
};

async function fixture(options: { expireAt?: Date | null; locked?: boolean } = {}) {
  const project = await make.project({ visibility: "public" });
  const pipeline = await make.pipeline(project);
  const { job } = await make.job(pipeline);
  const zip = zipSync({
    ...Object.fromEntries(Object.entries(FILES).filter(([name]) => name !== "big/stored.bin")),
    "big/stored.bin": [FILES["big/stored.bin"], { level: 0 }],
    "emptydir/": new Uint8Array(0),
  });
  const stored = await make.archive(job, zip, { expireAt: options.expireAt });
  await db
    .update(pipelines)
    .set({ locked: options.locked ? "artifacts_locked" : "unlocked" })
    .where(eq(pipelines.id, pipeline.id));
  await db
    .update(jobs)
    .set({ artifacts_expire_at: options.expireAt ?? null })
    .where(eq(jobs.id, job.id));
  const url = (path: string) => `/api/v4/projects/${project.id}/jobs/${job.id}/artifacts/${path}`;
  return { project, job, url, stored };
}

describe("GET /api/v4/projects/:id/jobs/:job_id/artifacts/*artifact_path", () => {
  it("streams one file with its uncompressed length, in one SQL statement and one storage read", async () => {
    const { url } = await fixture();
    const { result: res, queries, reads } = await cost(() => fetch(url("big/deflated.txt")));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(FILES["big/deflated.txt"].length));
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(FILES["big/deflated.txt"]);
    expect(queries).toHaveLength(1);
    expect(reads).toHaveLength(1);
    for (const read of reads) {
      expect(read.range?.end).toBeGreaterThanOrEqual(read.range?.start ?? Number.POSITIVE_INFINITY);
    }
  });

  it("answers a name the archive's index lacks with 404 without touching storage", async () => {
    const { url } = await fixture();
    const { result: res, reads } = await cost(() => fetch(url("not/in/the/archive.txt")));
    expect(res.status).toBe(404);
    expect(reads).toHaveLength(0);
  });

  it("reads the zip's end from storage for an archive without an index: two reads, same bytes", async () => {
    const { url, stored } = await fixture();
    const [artifact] = await db.select().from(jobArtifacts).where(eq(jobArtifacts.storage_key, stored.key));
    await db.delete(artifactEntries).where(eq(artifactEntries.artifact_id, artifact?.id ?? 0));
    await db.update(jobArtifacts).set({ entries_indexed: false }).where(eq(jobArtifacts.storage_key, stored.key));
    const { result: res, reads } = await cost(() => fetch(url("big/deflated.txt")));
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(FILES["big/deflated.txt"]);
    expect(reads).toHaveLength(2);
    expect((await fetch(url("nothing.txt"))).status).toBe(404);
  });

  it("indexes an archive of 65,601 entries (Go, ZIP64) and serves its last file in one read", async () => {
    const project = await make.project({ visibility: "public" });
    const { job } = await make.job(await make.pipeline(project));
    await make.archive(job, new Uint8Array(readFileSync(new URL("../fixtures/go/many.zip", import.meta.url))));
    const { result: res, reads } = await cost(() =>
      fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts/last.txt`),
    );
    expect(await res.text()).toBe("the last of 65601\n");
    expect(reads).toHaveLength(1);
  }, 60_000);

  it("types files by extension, as Workhorse's legacy route does", async () => {
    const { url } = await fixture();
    const expected: Record<string, string> = {
      "index.html": "text/html; charset=utf-8",
      "app.js": "text/javascript; charset=utf-8",
      "data.json": "application/json",
      "notes.txt": "text/plain; charset=utf-8",
      "logo.svg": "image/svg+xml",
      blob: "application/octet-stream",
    };
    for (const [path, type] of Object.entries(expected)) {
      const res = await fetch(url(path));
      expect(res.headers.get("content-type"), path).toBe(type);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(FILES[path as keyof typeof FILES]);
    }
  });

  it("sends an attachment disposition with the base name, quotes and backslashes escaped", async () => {
    const { url } = await fixture();
    const spaced = await fetch(url("dir/with%20space/a%20%231.txt"));
    expect(spaced.status).toBe(200);
    expect(spaced.headers.get("content-disposition")).toBe('attachment; filename="a #1.txt"');
    const quoted = await fetch(url("q%22uote%5Cd.txt"));
    expect(quoted.headers.get("content-disposition")).toBe('attachment; filename="q\\"uote\\\\d.txt"');
    expect(await quoted.text()).toBe("quoted");
  });

  it("matches names exactly: wrong case, a trailing space or a leading slash are Workhorse's plain-text 404", async () => {
    const { url } = await fixture();
    for (const path of ["case.txt", "Case.txt%20", "%2FCase.txt", "dir", "emptydir", "nothing/here"]) {
      const res = await fetch(url(path));
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(await res.text()).toBe("404 page not found\n");
    }
    expect((await fetch(url("emptydir/"))).status).toBe(200);
  });

  it("refuses a NUL byte or invalid UTF-8 in the path with 400 Bad request", async () => {
    const { url } = await fixture();
    for (const path of ["a%00b", "%FF%FE"]) {
      const res = await fetch(url(path));
      expect(res.status).toBe(400);
      expect(await body(res)).toEqual({ message: "400 Bad request" });
    }
  });

  it("serves byte ranges: stored entries straight from storage, deflated ones decoded and cut", async () => {
    const { url } = await fixture();
    const stored = FILES["big/stored.bin"];
    const { result: res, reads } = await cost(() =>
      fetch(url("big/stored.bin"), { headers: { range: "bytes=100000-100099" } }),
    );
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 100000-100099/${stored.length}`);
    expect(res.headers.get("content-length")).toBe("100");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(stored.slice(100_000, 100_100));
    const entryRead = reads.at(-1);
    expect((entryRead?.range?.end ?? 0) - (entryRead?.range?.start ?? 0)).toBeLessThan(100_000 + 2048);

    const deflated = FILES["big/deflated.txt"];
    const tail = await fetch(url("big/deflated.txt"), { headers: { range: "bytes=-10" } });
    expect(tail.status).toBe(206);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(deflated.slice(-10));
    const open = await fetch(url("big/deflated.txt"), { headers: { range: "bytes=150000-" } });
    expect(new Uint8Array(await open.arrayBuffer())).toEqual(deflated.slice(150_000));
  });

  it("answers an unsatisfiable range with 416", async () => {
    const { url } = await fixture();
    const res = await fetch(url("notes.txt"), { headers: { range: "bytes=999-" } });
    expect(res.status).toBe(416);
    expect(res.headers.get("content-range")).toBe(`bytes */${FILES["notes.txt"].length}`);
  });

  it("gives a strong ETag and answers If-None-Match with 304 without touching storage", async () => {
    const { url } = await fixture();
    const first = await fetch(url("notes.txt"));
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(first.headers.get("accept-ranges")).toBe("bytes");
    const { result: again, reads } = await cost(() => fetch(url("notes.txt"), { headers: { "if-none-match": etag } }));
    expect(again.status).toBe(304);
    expect(reads).toHaveLength(0);
    expect((await fetch(url("app.js"))).headers.get("etag")).not.toBe(etag);
  });

  it("answers HEAD with the headers a GET would have", async () => {
    const { url } = await fixture();
    const res = await fetch(url("data.json"), { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(FILES["data.json"].length));
    expect(res.headers.get("content-type")).toBe("application/json");
  });

  it("is 404 Not Found once the job's artifacts expired, unless its pipeline is locked", async () => {
    const past = new Date(Date.now() - 60_000);
    const expired = await fixture({ expireAt: past });
    const res = await fetch(expired.url("notes.txt"));
    expect(res.status).toBe(404);
    expect(await body(res)).toEqual({ message: "404 Not Found" });
    const kept = await fixture({ expireAt: past, locked: true });
    expect((await fetch(kept.url("notes.txt"))).status).toBe(200);
  });

  it("answers 500 when the stored object is not a zip, and 404 when it is gone", async () => {
    const broken = await fixture();
    await storage.upload(
      broken.stored.key,
      new Blob(["not a zip at all, just text, long enough to pass 22 bytes"]).stream(),
      "text/plain",
    );
    await db.update(jobArtifacts).set({ size: 56 }).where(eq(jobArtifacts.storage_key, broken.stored.key));
    const res = await fetch(broken.url("notes.txt"));
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("Internal Server Error\n");

    const gone = await fixture();
    await storage.delete([gone.stored.key]);
    const missing = await fetch(gone.url("notes.txt"));
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe("404 page not found\n");
  });

  it("resets the response instead of finishing it when the entry's bytes are damaged", async () => {
    const project = await make.project({ visibility: "public" });
    const { job } = await make.job(await make.pipeline(project));
    const payload = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 13) % 256);
    const zip = zipSync({ "data.bin": [payload, { level: 0 }] });
    // Flip one byte of the stored data: the CRC-32 no longer matches.
    const at = 30 + "data.bin".length + 25_000;
    zip[at] = (zip[at] ?? 0) ^ 0xff;
    await make.archive(job, zip);
    const res = await fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts/data.bin`);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
  });
});
