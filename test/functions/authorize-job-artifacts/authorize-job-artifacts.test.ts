import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { UPLOAD_INSURANCE_MS } from "../../../lib/ingest/keys";
import { deletedObjects } from "../../../schema";
import { harness, type UploadGrant } from "../../helpers/harness";

const h = harness();
const { make, url } = h;

describe("POST /api/v4/jobs/:job_id/artifacts/authorize", () => {
  it("grants an hour's presigned PUT to a key of its own, insured for deletion until finalized", async () => {
    const { job, token } = await make.job(await make.pipeline(await make.project()));
    const res = await h.fetch(url.authorizeJobArtifacts(job), { method: "POST", headers: { "JOB-TOKEN": token } });
    expect(res.status).toBe(200);
    const grant = await h.json<UploadGrant>(res);
    expect(Object.keys(grant)).toEqual(["upload_url", "upload_key", "expires_at"]);
    expect(grant.upload_key).toMatch(new RegExp(`^uploads/${job.id}/[0-9a-f-]{36}\\.zip$`));
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

  it("is 403 without the job's token", async () => {
    const { job } = await make.job(await make.pipeline(await make.project()));
    const res = await h.fetch(url.authorizeJobArtifacts(job), { method: "POST" });
    expect(res.status).toBe(403);
  });
});
