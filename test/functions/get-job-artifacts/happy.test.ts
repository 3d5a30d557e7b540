import { describe, expect, it } from "vitest";
import { harness } from "../../helpers/harness";
import { jobArchives } from "./fixtures";

const h = harness();
const { publicJobWithArchive } = jobArchives(h);

describe("GET /api/v4/projects/:id/jobs/:job_id/artifacts", () => {
  it("redirects to a presigned URL that serves the zip as artifacts.zip, with one SQL statement and no storage request", async () => {
    const { project, job, zip, stored } = await publicJobWithArchive();
    const { result: res, queries, reads } = await h.cost(() => h.fetch(h.url.jobArtifacts(project, job)));
    expect(res.status).toBe(302);
    expect(queries).toHaveLength(1);
    expect(reads).toHaveLength(0);
    const location = res.headers.get("location") ?? "";
    const url = new URL(location);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("300");
    expect(url.searchParams.get("response-content-disposition")).toContain('filename="artifacts.zip"');
    expect(await res.text()).toBe(`This resource has been moved temporarily to ${location}.`);
    expect(res.headers.get("etag")).toBe(`"${stored.sha256}"`);

    const download = await globalThis.fetch(location);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toContain('filename="artifacts.zip"');
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(zip);
  });

  it("finds the project by its encoded full path in any case", async () => {
    const { project, job } = await publicJobWithArchive();
    const res = await h.fetch(h.url.jobArtifacts(encodeURIComponent(project.full_path.toUpperCase()), job));
    expect(res.status).toBe(302);
  });

  it("answers HEAD with a redirect to a presigned HEAD URL", async () => {
    const { project, job, zip } = await publicJobWithArchive();
    const res = await h.fetch(h.url.jobArtifacts(project, job), { method: "HEAD" });
    expect(res.status).toBe(302);
    const head = await globalThis.fetch(res.headers.get("location") ?? "", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(zip.length));
  });

  it("answers a matching If-None-Match with 304", async () => {
    const { project, job, stored } = await publicJobWithArchive();
    const res = await h.fetch(h.url.jobArtifacts(project, job), {
      headers: { "if-none-match": `"${stored.sha256}"` },
    });
    expect(res.status).toBe(304);
  });

  it("still serves an expired archive the cleanup has not removed (GitLab checks no expiry here)", async () => {
    const { project, job } = await publicJobWithArchive({ expireAt: new Date(Date.now() - 86_400_000) });
    expect((await h.fetch(h.url.jobArtifacts(project, job))).status).toBe(302);
  });
});
