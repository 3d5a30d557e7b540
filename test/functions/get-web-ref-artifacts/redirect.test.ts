import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { text } from "../../helpers/bytes";
import { harness } from "../../helpers/harness";
import { webArtifacts } from "../browse-job-artifacts/fixtures";

const h = harness();
const published = webArtifacts(h);

describe("GET /:namespace/:project/-/jobs/artifacts/*ref_name_and_path?job=NAME", () => {
  it("redirects a badge URL to the latest successful job's raw file, which serves the SVG", async () => {
    const { project, base } = await published();
    const res = await h.fetch(`/${project.full_path}/-/jobs/artifacts/main/raw/coverage/badge.svg?job=test`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${base}/raw/coverage/badge.svg`);
    expect(res.headers.get("cache-control")).toBe("public, max-age=60");
    const svg = await h.fetch(res.headers.get("location") ?? "");
    expect(svg.status).toBe(200);
    expect(svg.headers.get("content-type")).toBe("image/svg+xml");
    expect(await svg.text()).toContain("<svg");
  });

  it("redirects download, browse and file to the same action of the job", async () => {
    const { project, base } = await published();
    const ref = `/${project.full_path}/-/jobs/artifacts/main`;
    const location = async (path: string) => (await h.fetch(`${ref}/${path}?job=test`)).headers.get("location");
    expect(await location("download")).toBe(`${base}/download`);
    expect(await location("browse")).toBe(`${base}/browse`);
    expect(await location("browse/dist")).toBe(`${base}/browse/dist`);
    expect(await location("file/dist/app.js")).toBe(`${base}/file/dist/app.js`);
  });

  it("takes the longest ref that has the job: refs with slashes, and archive paths with raw/ or file/ in them", async () => {
    const project = await h.make.project({ visibility: "public" });
    const pipeline = await h.make.pipeline(project, { ref: "feature/raw/x" });
    const { job } = await h.make.job(pipeline, { name: "test", status: "success" });
    await h.make.archive(job, zipSync({ "file/raw/a.txt": text("a") }));
    await h.make.finishPipeline(pipeline, "success");
    const res = await h.fetch(`/${project.full_path}/-/jobs/artifacts/feature/raw/x/raw/file/raw/a.txt?job=test`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/${project.full_path}/-/jobs/${job.id}/artifacts/raw/file/raw/a.txt`);
  });

  it("answers GitLab's HTML 404 without a job name, for an unknown ref, to strangers of a private project, and for expired artifacts", async () => {
    const { project } = await published();
    const ref = `/${project.full_path}/-/jobs/artifacts`;
    for (const url of [`${ref}/main/download`, `${ref}/nope/download?job=test`, `${ref}/main/download?job=nope`]) {
      const res = await h.fetch(url);
      expect(res.status, url).toBe(404);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    }
    const hidden = await published({ visibility: "private" });
    expect((await h.fetch(`/${hidden.project.full_path}/-/jobs/artifacts/main/download?job=test`)).status).toBe(404);
    const expired = await published({ archive: { expireAt: new Date(Date.now() - 60_000) }, locked: false });
    expect((await h.fetch(`/${expired.project.full_path}/-/jobs/artifacts/main/download?job=test`)).status).toBe(404);
  });

  it("lets a member's token through, and the answer is private", async () => {
    const { project, base } = await published({ visibility: "private" });
    const { token } = await h.make.memberWithToken(project, 30);
    const res = await h.fetch(`/${project.full_path}/-/jobs/artifacts/main/browse?job=test`, {
      headers: { "PRIVATE-TOKEN": token },
    });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${base}/browse`);
    expect(res.headers.get("cache-control")).toBe("max-age=0, private, must-revalidate");
  });
});
