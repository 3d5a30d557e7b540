import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { WHOLE_ENTRY_BYTES } from "../../../lib/zip/reader";
import { text } from "../../helpers/bytes";
import { harness } from "../../helpers/harness";
import { FILES, jobFiles } from "./fixtures";

const h = harness();
const { fixture } = jobFiles(h);

describe("GET /api/v4/projects/:id/jobs/:job_id/artifacts/*artifact_path", () => {
  it("answers a name the archive's index lacks with 404 without touching storage", async () => {
    const { url } = await fixture();
    const { result: res, reads } = await h.cost(() => h.fetch(url("not/in/the/archive.txt")));
    expect(res.status).toBe(404);
    expect(reads).toHaveLength(0);
  });

  describe("matches names exactly: wrong case, a trailing space or a leading slash are Workhorse's plain-text 404", () => {
    it.each(["case.txt", "Case.txt%20", "%2FCase.txt", "dir", "emptydir", "nothing/here"])("%s", async (path) => {
      const { url } = await fixture();
      const res = await h.fetch(url(path));
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(await res.text()).toBe("404 page not found\n");
    });

    it("while a directory entry named with its slash is there", async () => {
      const { url } = await fixture();
      expect((await h.fetch(url("emptydir/"))).status).toBe(200);
    });
  });

  it.each(["a%00b", "%FF%FE"])(
    "refuses a NUL byte or invalid UTF-8 in the path with 400 Bad request: %s",
    async (path) => {
      const { url } = await fixture();
      const res = await h.fetch(url(path));
      expect(res.status).toBe(400);
      expect(await h.json(res)).toEqual({ message: "400 Bad request" });
    },
  );

  it("answers an unsatisfiable range with 416", async () => {
    const { url } = await fixture();
    const res = await h.fetch(url("notes.txt"), { headers: { range: "bytes=999-" } });
    expect(res.status).toBe(416);
    expect(res.headers.get("content-range")).toBe(`bytes */${FILES["notes.txt"].length}`);
  });

  it("is 404 Not Found once the job's artifacts expired, unless its pipeline is locked", async () => {
    const past = new Date(Date.now() - 60_000);
    const expired = await fixture({ expireAt: past });
    const res = await h.fetch(expired.url("notes.txt"));
    expect(res.status).toBe(404);
    expect(await h.json(res)).toEqual({ message: "404 Not Found" });
    const kept = await fixture({ expireAt: past, locked: true });
    expect((await h.fetch(kept.url("notes.txt"))).status).toBe(200);
  });

  it("answers 500 when the stored object is not a zip, and 404 when it is gone", async () => {
    const broken = await fixture();
    await h.make.replaceObject(broken.stored, text("not a zip at all, just text, long enough to pass 22 bytes"));
    const res = await h.fetch(broken.url("notes.txt"));
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("Internal Server Error\n");

    const gone = await fixture();
    await h.storage.delete([gone.stored.key]);
    const missing = await h.fetch(gone.url("notes.txt"));
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe("404 page not found\n");
  });

  /** A stored data.bin of `size` bytes with one byte of its data flipped: the CRC-32 no longer matches. */
  const damaged = (size: number) => {
    const payload = Uint8Array.from({ length: size }, (_, i) => (i * 13) % 256);
    const zip = zipSync({ "data.bin": [payload, { level: 0 }] });
    const at = 30 + "data.bin".length + Math.floor(size / 2);
    zip[at] = (zip[at] ?? 0) ^ 0xff;
    return h.make.jobWithArchive(zip, { project: { visibility: "public" } });
  };

  it("resets the response instead of finishing it when a streamed entry's bytes are damaged", async () => {
    // Past WHOLE_ENTRY_BYTES the entry streams, and its CRC-32 is known only at its end.
    const { project, job } = await damaged(WHOLE_ENTRY_BYTES + 50_000);
    const res = await h.fetch(h.url.jobArtifactFile(project, job, "data.bin"));
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow("entry CRC-32 does not match");
  });

  it("answers Workhorse's 500 before any byte when a small entry (read whole) is damaged", async () => {
    const { project, job } = await damaged(50_000);
    const res = await h.fetch(h.url.jobArtifactFile(project, job, "data.bin"));
    expect([res.status, await res.text()]).toEqual([500, "Internal Server Error\n"]);
  });
});
