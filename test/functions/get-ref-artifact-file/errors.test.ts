import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { jobArtifacts } from "../../../schema";
import { body } from "../../helpers/harness";
import { db, fetch, published } from "./fixtures";

describe("GET /api/v4/projects/:id/jobs/artifacts/:ref_name/raw/*artifact_path?job=NAME", () => {
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
