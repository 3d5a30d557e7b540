import { eq } from "drizzle-orm";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { jobArtifacts } from "../../schema";
import { factories } from "../helpers/factories";
import { body, harness } from "../helpers/harness";

const { fetch, db, storage, cost } = harness();
const make = factories(db, storage);
const text = (value: string) => new TextEncoder().encode(value);
const PNG = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52);

const FILES: Record<string, Uint8Array> = {
  "page.html": text("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
  "app.js": text("document.write('x')\n"),
  "image.svg": text('<?xml version="1.0"?>\n<!-- drawn -->\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
  "pixel.png": PNG,
  "report.pdf": text("%PDF-1.7\n%\u00e2\u00e3\n"),
  "binary.dat": Uint8Array.from({ length: 64 }, (_, i) => i),
  "raw/inside.txt": text("a raw/ directory inside the archive"),
  "big.txt": text("0123456789".repeat(1000)),
};

async function published() {
  const project = await make.project({ visibility: "public" });
  const pipeline = await make.pipeline(project, { ref: "main" });
  const { job } = await make.job(pipeline, { name: "build", status: "success" });
  await make.archive(job, zipSync(FILES));
  await make.finishPipeline(pipeline, "success");
  const url = (path: string, ref = "main", name = "build") =>
    `/api/v4/projects/${project.id}/jobs/artifacts/${ref}/raw/${path}?job=${encodeURIComponent(name)}`;
  return { project, job, url };
}

describe("GET /api/v4/projects/:id/jobs/artifacts/:ref_name/raw/*artifact_path?job=NAME", () => {
  it("sniffs types so that nothing textual renders: HTML and JS become text/plain", async () => {
    const { url } = await published();
    const expected: Record<string, string> = {
      "page.html": "text/plain; charset=utf-8",
      "app.js": "text/plain; charset=utf-8",
      "image.svg": "image/svg+xml",
      "pixel.png": "image/png",
      "report.pdf": "application/pdf",
      "binary.dat": "application/octet-stream",
    };
    for (const [path, type] of Object.entries(expected)) {
      const res = await fetch(url(path));
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toBe(type);
      expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${path}"`);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(FILES[path]);
    }
  });

  it("costs one SQL statement and one storage read", async () => {
    const { url } = await published();
    const { result, queries, reads } = await cost(() => fetch(url("big.txt")));
    expect(await result.text()).toBe("0123456789".repeat(1000));
    expect(queries).toHaveLength(1);
    expect(reads).toHaveLength(1);
  });

  it("splits the URL at the last /raw/: a ref with slashes works, an archive path with raw/ is taken as part of the ref", async () => {
    const project = await make.project({ visibility: "public" });
    const pipeline = await make.pipeline(project, { ref: "feature/login" });
    const { job } = await make.job(pipeline, { name: "build" });
    await make.archive(job, zipSync(FILES));
    await make.finishPipeline(pipeline, "success");
    const base = `/api/v4/projects/${project.id}/jobs/artifacts`;
    expect((await fetch(`${base}/feature/login/raw/page.html?job=build`)).status).toBe(200);
    expect((await fetch(`${base}/feature%2Flogin/raw/page.html?job=build`)).status).toBe(200);
    // GitLab's greedy route reads ref "feature/login/raw/raw"... and finds no such pipeline.
    const greedy = await fetch(`${base}/feature/login/raw/raw/inside.txt?job=build`);
    expect(greedy.status).toBe(404);
    expect(await body(greedy)).toEqual({ message: "404 Not found" });
  });

  it("serves ranges of a sniffed file", async () => {
    const { url } = await published();
    const res = await fetch(url("big.txt"), { headers: { range: "bytes=5-14" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toBe("5678901234");
  });

  it("answers a missing entry with Workhorse's plain-text 404, marked inline", async () => {
    const { url } = await published();
    const res = await fetch(url("nope.txt"));
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("404 page not found\n");
    expect(res.headers.get("content-disposition")).toBe("inline");
  });

  it("validates the job parameter and the path", async () => {
    const { project, url } = await published();
    const missing = await fetch(`/api/v4/projects/${project.id}/jobs/artifacts/main/raw/page.html`);
    expect(await body(missing)).toEqual({ error: "job is missing" });
    const nul = await fetch(url("page%00.html"));
    expect(nul.status).toBe(400);
    expect(await body(nul)).toEqual({ message: "400 Bad request" });
  });

  it("serves expired archives (this route checks no expiry), and fails with 500 for a job with reports only", async () => {
    const { job, url } = await published();
    await db
      .update(jobArtifacts)
      .set({ expire_at: new Date(0) })
      .where(eq(jobArtifacts.job_id, job.id));
    expect((await fetch(url("page.html"))).status).toBe(200);
    await db.update(jobArtifacts).set({ file_type: "junit" }).where(eq(jobArtifacts.job_id, job.id));
    expect((await fetch(url("page.html"))).status).toBe(500);
  });
});
