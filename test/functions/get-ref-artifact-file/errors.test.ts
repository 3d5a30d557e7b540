import { describe, expect, it } from "vitest";
import { harness } from "../../helpers/harness";
import { refFiles } from "./fixtures";

const h = harness();
const { published } = refFiles(h);

describe("GET /api/v4/projects/:id/jobs/artifacts/:ref_name/raw/*artifact_path?job=NAME", () => {
  it("answers a missing entry with Workhorse's plain-text 404, marked inline", async () => {
    const { url } = await published();
    const res = await h.fetch(url("nope.txt"));
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("404 page not found\n");
    expect(res.headers.get("content-disposition")).toBe("inline");
  });

  it("validates the job parameter and the path", async () => {
    const { project, url } = await published();
    const missing = await h.fetch(`/api/v4/projects/${project.id}/jobs/artifacts/main/raw/page.html`);
    expect(missing.status).toBe(400);
    expect(await h.json(missing)).toEqual({ error: "job is missing" });
    const nul = await h.fetch(url("page%00.html"));
    expect(nul.status).toBe(400);
    expect(await h.json(nul)).toEqual({ message: "400 Bad request" });
  });

  it("serves expired archives (this route checks no expiry), and fails with 500 for a job with reports only", async () => {
    const expired = await published({ archive: { expireAt: new Date(Date.now() - 60_000) } });
    expect((await h.fetch(expired.url("page.html"))).status).toBe(200);
    const reports = await published({ archive: { reportsOnly: true } });
    const res = await h.fetch(reports.url("page.html"));
    expect(res.status).toBe(500);
    expect(await h.json(res)).toEqual({ message: "500 Internal Server Error" });
  });
});
