import { describe, expect, it } from "vitest";
import { createApp } from "../../../functions/app";
import type { Config } from "../../../lib/platform/config";
import { ACCESS_LEVELS } from "../../../schema";
import { contractFetch } from "../../helpers/contract";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

const h = harness();

/** The harness's app with PROXY_DOWNLOAD set to `mode` (the harness's own is the default, auto). */
function appWith(mode: Config["PROXY_DOWNLOAD"]) {
  const services = { ...h.services, config: { ...h.services.config, PROXY_DOWNLOAD: mode } };
  const app = createApp(async () => ({ services }));
  return contractFetch(app);
}

/** A private project's finished job on main with an archive, and a reporter's PAT. */
async function privateArchive(zip = smallZip({ "a.txt": "alpha".repeat(100) })) {
  const made = await h.make.jobWithArchive(zip, { job: { name: "build", status: "success" } });
  await h.make.finishPipeline(made.pipeline);
  const { token } = await h.make.memberWithToken(made.project, ACCESS_LEVELS.reporter, ["read_api"]);
  return {
    ...made,
    token,
    routes: [h.url.jobArtifacts(made.project, made.job), h.url.refArtifacts(made.project, "main", "build")],
  };
}

const bearer = (token: string, more: Record<string, string> = {}) => ({
  headers: { Authorization: `Bearer ${token}`, ...more },
});

describe("PROXY_DOWNLOAD=auto (the default): a request with Authorization gets the archive itself", () => {
  it("streams the archive on both archive routes: 200, its length, type, saved name and ETag, one storage read", async () => {
    const { zip, stored, token, routes } = await privateArchive();
    for (const route of routes) {
      const {
        result: res,
        queries,
        reads,
      } = await h.cost(async () => {
        const answer = await h.fetch(route, bearer(token));
        return { answer, bytes: new Uint8Array(await answer.arrayBuffer()) };
      });
      expect(res.answer.status).toBe(200);
      expect(res.bytes).toEqual(zip);
      expect(Object.fromEntries(res.answer.headers)).toMatchObject({
        "content-type": "application/zip",
        "content-length": String(zip.length),
        "content-disposition": `attachment; filename="artifacts.zip"; filename*=UTF-8''artifacts.zip`,
        etag: `"${stored.sha256}"`,
        "accept-ranges": "bytes",
        "cache-control": "max-age=0, private, must-revalidate",
        vary: "Authorization",
      });
      expect(queries).toHaveLength(1);
      expect(reads).toEqual([{ key: stored.key, range: undefined }]);
    }
  });

  it("keeps the 302 for PRIVATE-TOKEN and for anonymous callers, marked as varying by Authorization", async () => {
    const { token, routes } = await privateArchive();
    const res = await h.fetch(routes[0] ?? "", { headers: h.as(token) });
    expect(res.status).toBe(302);
    expect(res.headers.get("vary")).toBe("Authorization");
    const publicOne = await h.make.jobWithArchive(smallZip(), { project: { visibility: "public" } });
    const anonymous = await h.fetch(h.url.jobArtifacts(publicOne.project, publicOne.job));
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("cache-control")).toMatch(/^public/);
    expect(anonymous.headers.get("vary")).toBe("Authorization");
  });

  it("passes one Range to storage and answers 206 with Content-Range", async () => {
    const { zip, stored, token, routes } = await privateArchive();
    const route = routes[0] ?? "";
    const { result: res, reads } = await h.cost(() => h.fetch(route, bearer(token, { Range: "bytes=10-29" })));
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 10-29/${zip.length}`);
    expect(res.headers.get("content-length")).toBe("20");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(zip.subarray(10, 30));
    expect(reads).toEqual([{ key: stored.key, range: { start: 10, end: 29 } }]);

    const suffix = await h.fetch(route, bearer(token, { Range: "bytes=-22" }));
    expect(suffix.status).toBe(206);
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(zip.subarray(zip.length - 22));
  });

  it("answers 416 for a range past the end and the whole archive when If-Range names another ETag", async () => {
    const { zip, token, routes } = await privateArchive();
    const route = routes[0] ?? "";
    const { result: past, reads } = await h.cost(() =>
      h.fetch(route, bearer(token, { Range: `bytes=${zip.length}-` })),
    );
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe(`bytes */${zip.length}`);
    expect(reads).toEqual([]);
    const stale = await h.fetch(route, bearer(token, { Range: "bytes=0-9", "If-Range": '"other"' }));
    expect(stale.status).toBe(200);
    expect(new Uint8Array(await stale.arrayBuffer())).toEqual(zip);
  });

  it("answers HEAD and a matching If-None-Match without reading storage", async () => {
    const { zip, stored, token, routes } = await privateArchive();
    const route = routes[0] ?? "";
    const { result: head, reads } = await h.cost(() => h.fetch(route, { method: "HEAD", ...bearer(token) }));
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(zip.length));
    expect(await head.text()).toBe("");
    const { result: same, reads: more } = await h.cost(() =>
      h.fetch(route, bearer(token, { "If-None-Match": `"${stored.sha256}"` })),
    );
    expect(same.status).toBe(304);
    expect([...reads, ...more]).toEqual([]);
  });

  it("is GitLab's 404 Not Found (message) when storage no longer holds the object", async () => {
    const { stored, token, routes } = await privateArchive();
    await h.storage.delete([stored.key]);
    const res = await h.fetch(routes[0] ?? "", bearer(token));
    expect(res.status).toBe(404);
    expect(await h.json(res)).toEqual({ message: "404 Not Found" });
  });

  it("leaves the single-file routes as they were: they never redirect", async () => {
    const { project, job, token } = await privateArchive();
    const res = await h.fetch(h.url.jobArtifactFile(project, job, "a.txt"), bearer(token));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("alpha".repeat(100));
  });
});

describe("PROXY_DOWNLOAD=never and always", () => {
  it("never: a request with Authorization gets the 302, and no Vary", async () => {
    const { token, routes } = await privateArchive();
    const res = await appWith("never")(routes[1] ?? "", bearer(token));
    expect(res.status).toBe(302);
    expect(res.headers.get("vary")).toBeNull();
  });

  it("always: an anonymous caller of a public project gets the archive, cacheable as the 302 was", async () => {
    const { project, job, zip } = await h.make.jobWithArchive(smallZip(), { project: { visibility: "public" } });
    const res = await appWith("always")(h.url.jobArtifacts(project, job));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=60");
    expect(res.headers.get("vary")).toBeNull();
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(zip);
  });
});
