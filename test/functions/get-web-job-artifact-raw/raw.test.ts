import { describe, expect, it } from "vitest";
import { harness } from "../../helpers/harness";
import { webArtifacts } from "../browse-job-artifacts/fixtures";

const h = harness();
const published = webArtifacts(h);

describe("GET /:namespace/:project/-/jobs/:job_id/artifacts/raw/*path", () => {
  it("serves the file sniffed as Workhorse does here: nothing textual renders as HTML", async () => {
    const { base } = await published();
    const page = await h.fetch(`${base}/raw/coverage/index.html`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await page.text()).toContain("<script>");
    const png = await h.fetch(`${base}/raw/dist/assets/logo.png`);
    expect(png.headers.get("content-type")).toBe("image/png");
    expect(png.headers.get("cache-control")).toBe("public, max-age=300");
  });

  it("costs the download's one statement and one storage read", async () => {
    const { base } = await published();
    const { result, queries, reads } = await h.cost(() => h.fetch(`${base}/raw/README.md`));
    expect(await result.text()).toBe("# Build output\n");
    expect(queries).toHaveLength(1);
    expect(reads).toHaveLength(1);
  });

  it("answers a missing entry with Workhorse's plain text, a stranger or an artifacts:access none with the 404 page", async () => {
    const { base } = await published();
    const missing = await h.fetch(`${base}/raw/nope.txt`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe("404 page not found\n");
    const hidden = await published({ visibility: "private" });
    const stranger = await h.fetch(`${hidden.base}/raw/README.md`);
    expect(stranger.status).toBe(404);
    expect(stranger.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const none = await published({ archive: { accessibility: "none" } });
    const denied = await h.fetch(`${none.base}/raw/README.md`);
    expect(denied.status).toBe(404);
    expect(denied.headers.get("content-type")).toBe("text/html; charset=utf-8");
  });

  it("refuses an unknown token with the 401 page", async () => {
    const { base } = await published();
    const res = await h.fetch(`${base}/raw/README.md`, { headers: { "PRIVATE-TOKEN": "glpat-unknown" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
  });
});
