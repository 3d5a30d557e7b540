import { describe, expect, it } from "vitest";
import { harness } from "../../helpers/harness";
import { FILES, refFiles } from "./fixtures";

const h = harness();
const { published } = refFiles(h);

describe("GET /api/v4/projects/:id/jobs/artifacts/:ref_name/raw/*artifact_path?job=NAME", () => {
  it.each([
    ["page.html", "text/plain; charset=utf-8"],
    ["app.js", "text/plain; charset=utf-8"],
    ["image.svg", "image/svg+xml"],
    ["pixel.png", "image/png"],
    ["report.pdf", "application/pdf"],
    ["binary.dat", "application/octet-stream"],
  ])("sniffs types so that nothing textual renders (HTML and JS become text/plain): %s is %s", async (path, type) => {
    const { url } = await published();
    const res = await h.fetch(url(path));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(type);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${path}"`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(FILES[path]);
  });
});

describe("who may read one file by ref", () => {
  it("answers anonymous callers of a private project 404 Project Not Found", async () => {
    const { url } = await published({ visibility: "private" });
    const res = await h.fetch(url("page.html"));
    expect(res.status).toBe(404);
    expect(await h.json(res)).toEqual({ message: "404 Project Not Found" });
  });
});
