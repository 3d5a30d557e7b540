import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { harness } from "../../helpers/harness";
import { FILES, jobFiles } from "./fixtures";

const h = harness();
const { fixture } = jobFiles(h);

describe("GET /api/v4/projects/:id/jobs/:job_id/artifacts/*artifact_path", () => {
  it("streams one file with its uncompressed length, in one SQL statement and one storage read", async () => {
    const { url } = await fixture();
    const { result: res, queries, reads } = await h.cost(() => h.fetch(url("big/deflated.txt")));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(FILES["big/deflated.txt"].length));
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(FILES["big/deflated.txt"]);
    expect(queries).toHaveLength(1);
    // One bounded range read, never the whole object.
    expect(reads).toEqual([{ key: expect.any(String), range: { start: expect.any(Number), end: expect.any(Number) } }]);
  });

  it("reads the zip's end from storage for an archive without an index: two reads, same bytes", async () => {
    const { url } = await fixture({ indexed: false });
    const { result: res, reads } = await h.cost(() => h.fetch(url("big/deflated.txt")));
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(FILES["big/deflated.txt"]);
    expect(reads).toHaveLength(2);
    expect((await h.fetch(url("nothing.txt"))).status).toBe(404);
  });

  it("indexes an archive of 65,601 entries (Go, ZIP64) and serves its last file in one read", async () => {
    const many = new Uint8Array(readFileSync(new URL("../../fixtures/go/many.zip", import.meta.url)));
    const { project, job } = await h.make.jobWithArchive(many, { project: { visibility: "public" } });
    const { result: res, reads } = await h.cost(() => h.fetch(h.url.jobArtifactFile(project, job, "last.txt")));
    expect(await res.text()).toBe("the last of 65601\n");
    expect(reads).toHaveLength(1);
  }, 60_000);

  it.each([
    ["index.html", "text/html; charset=utf-8"],
    ["app.js", "text/javascript; charset=utf-8"],
    ["data.json", "application/json"],
    ["notes.txt", "text/plain; charset=utf-8"],
    ["logo.svg", "image/svg+xml"],
    ["blob", "application/octet-stream"],
  ] as const)("types files by extension, as Workhorse's legacy route does: %s is %s", async (path, type) => {
    const { url } = await fixture();
    const res = await h.fetch(url(path));
    expect(res.headers.get("content-type")).toBe(type);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(FILES[path]);
  });

  it("sends an attachment disposition with the base name, quotes and backslashes escaped", async () => {
    const { url } = await fixture();
    const spaced = await h.fetch(url("dir/with%20space/a%20%231.txt"));
    expect(spaced.status).toBe(200);
    expect(spaced.headers.get("content-disposition")).toBe('attachment; filename="a #1.txt"');
    const quoted = await h.fetch(url("q%22uote%5Cd.txt"));
    expect(quoted.headers.get("content-disposition")).toBe('attachment; filename="q\\"uote\\\\d.txt"');
    expect(await quoted.text()).toBe("quoted");
  });

  it("serves byte ranges: stored entries straight from storage, deflated ones decoded and cut", async () => {
    const { url } = await fixture();
    const stored = FILES["big/stored.bin"];
    const { result: res, reads } = await h.cost(() =>
      h.fetch(url("big/stored.bin"), { headers: { range: "bytes=100000-100099" } }),
    );
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 100000-100099/${stored.length}`);
    expect(res.headers.get("content-length")).toBe("100");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(stored.slice(100_000, 100_100));
    const entryRead = reads.at(-1);
    expect((entryRead?.range?.end ?? 0) - (entryRead?.range?.start ?? 0)).toBeLessThan(100_000 + 2048);

    const deflated = FILES["big/deflated.txt"];
    const tail = await h.fetch(url("big/deflated.txt"), { headers: { range: "bytes=-10" } });
    expect(tail.status).toBe(206);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(deflated.slice(-10));
    const open = await h.fetch(url("big/deflated.txt"), { headers: { range: "bytes=150000-" } });
    expect(new Uint8Array(await open.arrayBuffer())).toEqual(deflated.slice(150_000));
  });

  it("gives a strong ETag and answers If-None-Match with 304 without touching storage", async () => {
    const { url } = await fixture();
    const first = await h.fetch(url("notes.txt"));
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(first.headers.get("accept-ranges")).toBe("bytes");
    const { result: again, reads } = await h.cost(() =>
      h.fetch(url("notes.txt"), { headers: { "if-none-match": etag } }),
    );
    expect(again.status).toBe(304);
    expect(reads).toHaveLength(0);
    expect((await h.fetch(url("app.js"))).headers.get("etag")).not.toBe(etag);
  });

  it("answers HEAD with the headers a GET would have", async () => {
    const { url } = await fixture();
    const res = await h.fetch(url("data.json"), { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(FILES["data.json"].length));
    expect(res.headers.get("content-type")).toBe("application/json");
  });
});
