import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { UPLOAD_INSURANCE_MS } from "../../../lib/ingest/keys";
import { deletedObjects } from "../../../schema";
import { harness, type UploadGrant } from "../../helpers/harness";
import { appWith } from "../upload-job-artifacts/fixtures";

const h = harness();
const { make, url } = h;

/** GitLab's instance default max_artifacts_size: 100 MB. */
const DEFAULT_MAX = 100 * 1024 * 1024;
const TOO_LARGE = { message: "file size has reached maximum size limit" };

const authorize = (job: { id: number }, token: string, query: string, fetch = h.fetch) =>
  fetch(`${url.authorizeJobArtifacts(job)}${query}`, { method: "POST", headers: { "JOB-TOKEN": token } });

describe("POST /api/v4/jobs/:job_id/artifacts/authorize", () => {
  it("grants an hour's presigned PUT to a key of its own, insured for deletion until finalized", async () => {
    const { job, token } = await make.job(await make.pipeline(await make.project()));
    const res = await authorize(job, token, "?filesize=1234");
    expect(res.status).toBe(200);
    const grant = await h.json<UploadGrant>(res);
    expect(Object.keys(grant)).toEqual(["upload_url", "upload_key", "expires_at"]);
    expect(grant.upload_key).toMatch(new RegExp(`^uploads/${job.id}/[0-9a-f-]{36}-1234\\.zip$`));
    expect(new URL(grant.upload_url).searchParams.get("X-Amz-Expires")).toBe("3600");
    const hour = Date.parse(grant.expires_at) - Date.now();
    expect(hour).toBeGreaterThan(3600_000 - 60_000);
    expect(hour).toBeLessThanOrEqual(3600_000);
    const [insurance] = await h.db
      .select()
      .from(deletedObjects)
      .where(eq(deletedObjects.storage_key, grant.upload_key));
    expect(insurance?.pick_up_at.getTime()).toBe(Date.parse(grant.expires_at) + UPLOAD_INSURANCE_MS);
  });

  it("signs the PUT's length and content type, so storage takes exactly filesize bytes of application/zip (finding 4)", async () => {
    const { job, token } = await make.job(await make.pipeline(await make.project()));
    const res = await h.fetch(
      url.authorizeJobArtifacts(job),
      h.send("POST", { filesize: 5000 }, { "JOB-TOKEN": token }),
    );
    expect(res.status).toBe(200);
    const signed = new URL((await h.json<UploadGrant>(res)).upload_url).searchParams;
    expect(signed.get("X-Amz-SignedHeaders")?.split(";")).toEqual(["content-length", "content-type", "host"]);
  });

  it("answers 413 as GitLab for a filesize past the maximum, 100 MB by default (finding 9)", async () => {
    const { job, token } = await make.job(await make.pipeline(await make.project()));
    expect(h.services.config.MAX_ARTIFACT_SIZE).toBe(DEFAULT_MAX);
    const over = await authorize(job, token, `?filesize=${DEFAULT_MAX + 1}`);
    expect(over.status).toBe(413);
    expect(await h.json(over)).toEqual(TOO_LARGE);
    expect((await authorize(job, token, `?filesize=${DEFAULT_MAX}`)).status).toBe(200);

    const small = appWith(h, { maxArtifactSize: 1000 });
    const refused = await authorize(job, token, "?filesize=1001", small.fetch);
    expect(refused.status).toBe(413);
    expect(await h.json(refused)).toEqual(TOO_LARGE);
    expect((await authorize(job, token, "?filesize=1000", small.fetch)).status).toBe(200);
  });

  it("needs filesize, as a whole number: the URL is signed for it", async () => {
    const { job, token } = await make.job(await make.pipeline(await make.project()));
    const missing = await authorize(job, token, "");
    expect(missing.status).toBe(400);
    expect(await h.json(missing)).toEqual({ error: "filesize is missing" });
    for (const bad of ["abc", "-1", "1.5"]) {
      const res = await authorize(job, token, `?filesize=${bad}`);
      expect(res.status).toBe(400);
      expect(await h.json(res)).toEqual({ error: "filesize is invalid" });
    }
  });

  it("is 403 without the job's token", async () => {
    const { job } = await make.job(await make.pipeline(await make.project()));
    const res = await h.fetch(url.authorizeJobArtifacts(job), { method: "POST" });
    expect(res.status).toBe(403);
  });
});
