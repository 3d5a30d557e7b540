import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { MAX_RANGE_INFLATE_BYTES } from "../../../lib/downloads/entry";
import { ACCESS_LEVELS } from "../../../schema";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

const h = harness();

async function privateFile(accessibility: "public" | "private" | "none" = "public") {
  const { project, job } = await h.make.jobWithArchive(smallZip({ "secret.txt": "secret" }), {
    archive: { accessibility },
  });
  const get = (path: string, headers: Record<string, string> = {}) =>
    h.fetch(h.url.jobArtifactFile(project, job, path), { headers });
  return { project, get };
}

describe("who may read one file by job id", () => {
  it.each(["secret.txt", "missing.txt", "bad%00path"])(
    "answers anonymous callers of a private project 404 Project Not Found, whether the file exists or not: %s",
    async (path) => {
      const { get } = await privateFile();
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(await h.json(res)).toEqual({ message: "404 Project Not Found" });
    },
  );

  it("keeps files of a developer-only archive from Reporters", async () => {
    const { project, get } = await privateFile("private");
    const reporter = await h.make.memberWithToken(project, ACCESS_LEVELS.reporter);
    const developer = await h.make.memberWithToken(project, ACCESS_LEVELS.developer);
    expect((await get("secret.txt", h.as(reporter.token))).status).toBe(403);
    const res = await get("secret.txt", h.as(developer.token));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("secret");
  });

  it("refuses files of an access: none archive to everyone", async () => {
    const { project, get } = await privateFile("none");
    const owner = await h.make.memberWithToken(project, ACCESS_LEVELS.owner);
    expect((await get("secret.txt", h.as(owner.token))).status).toBe(403);
  });

  it("serves HTML by its extension but only as an attachment", async () => {
    const { project, job } = await h.make.jobWithArchive(smallZip({ "x.html": "<script>alert(1)</script>" }), {
      project: { visibility: "public" },
    });
    const res = await h.fetch(h.url.jobArtifactFile(project, job, "x.html"));
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="x.html"');
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("ranges on deflated files (security review finding 2)", () => {
  const BOMB = 2 * MAX_RANGE_INFLATE_BYTES;
  const STORED = 1024 * 1024;

  async function bomb() {
    const zip = zipSync({ "bomb.bin": new Uint8Array(BOMB), "plain.bin": [new Uint8Array(STORED), { level: 0 }] });
    const { project, job } = await h.make.jobWithArchive(zip, { project: { visibility: "public" } });
    return (path: string, range: string) => h.fetch(h.url.jobArtifactFile(project, job, path), { headers: { range } });
  }

  it("answers a range past the inflate bound with the whole file and 200, so the client pays for the decoding", async () => {
    const get = await bomb();
    const res = await get("bomb.bin", `bytes=${BOMB - 100}-${BOMB - 1}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-range")).toBeNull();
    expect(res.headers.get("content-length")).toBe(String(BOMB));
    await res.body?.cancel();
    const suffix = await get("bomb.bin", "bytes=-10");
    expect(suffix.status).toBe(200);
    await suffix.body?.cancel();
  });

  it("keeps ranges within the bound on deflated files, and every range on stored ones", async () => {
    const get = await bomb();
    const head = await get("bomb.bin", "bytes=0-99");
    expect(head.status).toBe(206);
    expect(new Uint8Array(await head.arrayBuffer())).toEqual(new Uint8Array(100));
    const stored = await get("plain.bin", `bytes=${STORED - 100}-${STORED - 1}`);
    expect(stored.status).toBe(206);
    expect(new Uint8Array(await stored.arrayBuffer())).toEqual(new Uint8Array(100));
  });
});
