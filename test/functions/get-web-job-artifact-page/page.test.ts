import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { MAX_INLINE_TEXT_BYTES } from "../../../lib/web/respond";
import { text } from "../../helpers/bytes";
import { harness } from "../../helpers/harness";
import { webArtifacts } from "../browse-job-artifacts/fixtures";

const h = harness();
const published = webArtifacts(h);

describe("GET /:namespace/:project/-/jobs/:job_id/artifacts/file/*path", () => {
  it("shows text inline and escaped, HTML files as their text, with links to the file and the archive", async () => {
    const { base } = await published();
    const res = await h.fetch(`${base}/file/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain("<pre><code>&lt;b&gt;not bold&lt;/b&gt; &amp; &lt;i&gt;not italic&lt;/i&gt;</code></pre>");
    expect(html).not.toMatch(/<img|<b>/);
    expect(html).toContain(`href="${base}/raw/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E.txt"`);
    expect(html).toContain(`href="${base}/download"`);
    const page = await (await h.fetch(`${base}/file/coverage/index.html`)).text();
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).not.toContain("<script>");
  });

  it("costs the download's one statement, the job's, and one storage read", async () => {
    const { base } = await published();
    const { result, queries, reads } = await h.cost(() => h.fetch(`${base}/file/README.md`));
    expect(await result.text()).toContain("<pre><code># Build output\n</code></pre>");
    expect(queries).toHaveLength(2);
    expect(reads).toHaveLength(1);
  });

  it("shows images inline from the raw route, and only links for binary files", async () => {
    const { base } = await published();
    const image = await (await h.fetch(`${base}/file/dist/assets/logo.png`)).text();
    expect(image).toContain(`<img class="artifact" src="${base}/raw/dist/assets/logo.png" alt="logo.png"/>`);
    const binary = await (await h.fetch(`${base}/file/binary.dat`)).text();
    expect(binary).not.toContain("<pre>");
    expect(binary).toContain("This file is not text");
    expect(binary).toContain(`href="${base}/raw/binary.dat"`);
  });

  it("links to files past MAX_INLINE_TEXT_BYTES instead of showing them", async () => {
    const big = text("x".repeat(MAX_INLINE_TEXT_BYTES + 1));
    const { base } = await published({ files: { "big.log": big, "small.log": text("small") } });
    const html = await (await h.fetch(`${base}/file/big.log`)).text();
    expect(html).toContain("too large to show");
    expect(html).not.toContain("<pre>");
    expect(await (await h.fetch(`${base}/file/small.log`)).text()).toContain("<pre><code>small</code></pre>");
  });

  it("works under nested namespaces, and answers a missing file or a directory with the 404 page", async () => {
    const project = await h.make.project({ visibility: "public", namespace: "top/sub/deeper" });
    const pipeline = await h.make.pipeline(project, { ref: "main" });
    const { job } = await h.make.job(pipeline, { name: "test", status: "success" });
    await h.make.archive(job, zipSync({ "a/b.txt": text("nested") }));
    const base = `/top/sub/deeper/${project.path}/-/jobs/${job.id}/artifacts`;
    expect(await (await h.fetch(`${base}/file/a/b.txt`)).text()).toContain("<pre><code>nested</code></pre>");
    expect(await (await h.fetch(`${base}/browse/a`)).text()).toContain(`href="${base}/file/a/b.txt"`);
    for (const path of ["a/nope.txt", "a"]) {
      const res = await h.fetch(`${base}/file/${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    }
  });

  it("takes the shortest project path: an archive path that looks like a job route stays the archive's", async () => {
    const { base } = await published({ files: { "a/-/jobs/99/artifacts/file/b.txt": text("tricky") } });
    const res = await h.fetch(`${base}/file/a/-/jobs/99/artifacts/file/b.txt`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<pre><code>tricky</code></pre>");
  });

  it("refuses a NUL or invalid UTF-8 in the path with the 400 page, after authorization", async () => {
    const { base } = await published();
    const res = await h.fetch(`${base}/file/a%FF.txt`);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const hidden = await published({ visibility: "private" });
    expect((await h.fetch(`${hidden.base}/file/a%FF.txt`)).status).toBe(404);
  });
});
