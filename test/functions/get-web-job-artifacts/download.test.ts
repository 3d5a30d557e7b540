import { describe, expect, it } from "vitest";
import { harness } from "../../helpers/harness";
import { webArtifacts } from "../browse-job-artifacts/fixtures";

const h = harness();
const published = webArtifacts(h);

describe("GET /:namespace/:project/-/jobs/:job_id/artifacts/download", () => {
  it("redirects to the archive in storage, which is the zip uploaded", async () => {
    const { base } = await published();
    const res = await h.fetch(`${base}/download`);
    expect(res.status).toBe(302);
    const zip = await fetch(res.headers.get("location") ?? "");
    expect(zip.status).toBe(200);
    const bytes = new Uint8Array(await zip.arrayBuffer());
    expect([...bytes.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
  });

  it("answers the 404 page for a job without artifacts and in a project the caller may not see", async () => {
    const project = await h.make.project({ visibility: "public" });
    const pipeline = await h.make.pipeline(project, { ref: "main" });
    const { job } = await h.make.job(pipeline, { name: "test", status: "success" });
    const none = await h.fetch(`/${project.full_path}/-/jobs/${job.id}/artifacts/download`);
    expect(none.status).toBe(404);
    expect(none.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const hidden = await published({ visibility: "private" });
    expect((await h.fetch(`${hidden.base}/download`)).status).toBe(404);
  });
});
