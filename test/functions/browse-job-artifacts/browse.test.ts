import { describe, expect, it } from "vitest";
import { text } from "../../helpers/bytes";
import { harness } from "../../helpers/harness";
import { webArtifacts } from "./fixtures";

const h = harness();
const published = webArtifacts(h);

/** The links and the names of a page's table rows. */
const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1] ?? "");

describe("GET /:namespace/:project/-/jobs/:job_id/artifacts/browse(/*path)", () => {
  it("lists the root: directories (also those without an entry of their own) and files with sizes, links escaped", async () => {
    const { base, job } = await published();
    const res = await h.fetch(`${base}/browse`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const html = await res.text();
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    const links = hrefs(html);
    expect(links).toContain(`${base}/browse/coverage`);
    expect(links).toContain(`${base}/browse/dist`);
    expect(links).toContain(`${base}/browse/names%20with%20spaces`);
    expect(links).toContain(`${base}/file/README.md`);
    expect(links).toContain(`${base}/file/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E.txt`);
    expect(links).toContain(`${base}/browse/%3Cscript%3Ealert(1)%3C`);
    expect(links).toContain(`${base}/download`);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;.txt");
    expect(html).toContain(`#${job.id}`);
    // Each directory once, however many entries are beneath it.
    expect(links.filter((link) => link === `${base}/browse/dist`)).toHaveLength(1);
  });

  it("lists a subdirectory, with its parent and breadcrumbs; a directory that is not there is the HTML 404", async () => {
    const { base } = await published();
    const html = await (await h.fetch(`${base}/browse/dist/assets`)).text();
    const links = hrefs(html);
    expect(links).toContain(`${base}/browse/dist/assets/deep`);
    expect(links).toContain(`${base}/file/dist/assets/logo.png`);
    expect(links).toContain(`${base}/browse/dist`);
    expect(links).not.toContain(`${base}/file/dist/app.js`);
    const missing = await h.fetch(`${base}/browse/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await missing.text()).toContain("The page could not be found");
  });

  it("pages a large directory: one listing statement a page, every name once across the pages", async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 450; i++) files[`many/f${String(i).padStart(4, "0")}.txt`] = text(String(i));
    for (let i = 0; i < 30; i++) files[`many/d${i}/inner/x.txt`] = text("x");
    const { base } = await published({ files });
    const seen: string[] = [];
    let next: string | undefined = `${base}/browse/many`;
    let pages = 0;
    while (next && pages < 10) {
      const url: string = next;
      const { result, queries } = await h.cost(() => h.fetch(url));
      expect(queries).toHaveLength(2);
      const html = await result.text();
      const links = hrefs(html).map((link) => link.replaceAll("&amp;", "&"));
      seen.push(...links.filter((link) => /\/(file|browse)\/many\/./.test(link)));
      next = links.find((link) => link.includes("?after="));
      pages++;
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(480);
    expect(seen).toHaveLength(480);
  });

  it("answers private projects with the 404 page to strangers and the listing to members", async () => {
    const { base, project } = await published({ visibility: "private" });
    const anonymous = await h.fetch(`${base}/browse`);
    expect(anonymous.status).toBe(404);
    expect(anonymous.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const { token } = await h.make.memberWithToken(project, 30);
    const member = await h.fetch(`${base}/browse`, { headers: { "PRIVATE-TOKEN": token } });
    expect(member.status).toBe(200);
    expect(member.headers.get("cache-control")).toBe("max-age=0, private, must-revalidate");
  });

  it("is a 404 page for an archive recorded before indexing (GitLab's without metadata), whose raw files still serve", async () => {
    const { base } = await published({ archive: { indexed: false } });
    expect((await h.fetch(`${base}/browse`)).status).toBe(404);
    expect((await h.fetch(`${base}/file/README.md`)).status).toBe(404);
    expect(await (await h.fetch(`${base}/raw/README.md`)).text()).toBe("# Build output\n");
  });

  it("keeps artifacts:access developer from a reporter: the 404 page", async () => {
    const { base, project } = await published({ archive: { accessibility: "private" } });
    const reporter = await h.make.memberWithToken(project, 20);
    const developer = await h.make.memberWithToken(project, 30);
    const as = (token: string) => ({ headers: { "PRIVATE-TOKEN": token } });
    expect((await h.fetch(`${base}/browse`, as(reporter.token))).status).toBe(404);
    expect((await h.fetch(`${base}/browse`, as(developer.token))).status).toBe(200);
  });

  it("answers HEAD as GET, without a body", async () => {
    const { base } = await published();
    const res = await h.fetch(`${base}/browse/dist`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await res.text()).toBe("");
  });

  it("is a 404 page for expired artifacts and unknown jobs", async () => {
    const expired = await published({ archive: { expireAt: new Date(Date.now() - 60_000) }, locked: false });
    expect((await h.fetch(`${expired.base}/browse`)).status).toBe(404);
    const unknown = expired.base.replace(/jobs\/\d+/, "jobs/2147483000");
    expect((await h.fetch(`${unknown}/browse`)).status).toBe(404);
  });
});
