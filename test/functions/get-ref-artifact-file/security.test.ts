import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { body } from "../../helpers/harness";
import { FILES, fetch, make, published } from "./fixtures";

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
});

describe("who may read one file by ref", () => {
  it("answers anonymous callers of a private project 404 Project Not Found", async () => {
    const project = await make.project({ visibility: "private" });
    const pipeline = await make.pipeline(project, { ref: "main" });
    const { job } = await make.job(pipeline, { name: "build", status: "success" });
    await make.archive(job, zipSync(FILES));
    await make.finishPipeline(pipeline, "success");
    const res = await fetch(`/api/v4/projects/${project.id}/jobs/artifacts/main/raw/page.html?job=build`);
    expect(res.status).toBe(404);
    expect(await body(res)).toEqual({ message: "404 Project Not Found" });
  });
});
