import { describe, expect, it } from "vitest";
import { harness, type JobEntity, type UploadGrant } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";
import { sha256, uploads } from "./fixtures";

const h = harness();
const { runningJob, storedBytes, archiveRow } = uploads(h);

async function authorize(job: { id: number }, token: string) {
  const res = await h.fetch(h.url.authorizeJobArtifacts(job), { method: "POST", headers: { "JOB-TOKEN": token } });
  expect(res.status).toBe(200);
  return h.json<UploadGrant>(res);
}

function finalize(job: { id: number }, token: string, uploadKey: string) {
  return h.fetch(
    h.url.uploadJobArtifacts(job),
    h.send("POST", { upload_key: uploadKey, expire_in: "2 days" }, { "JOB-TOKEN": token }),
  );
}

describe("direct upload: POST /api/v4/jobs/:job_id/artifacts with the upload_key of an authorized PUT", () => {
  it("records an archive PUT straight to storage through the presigned URL", async () => {
    const { job, token } = await runningJob();
    const grant = await authorize(job, token);
    expect(Date.parse(grant.expires_at)).toBeGreaterThan(Date.now());
    const zip = smallZip({ "big.txt": "direct".repeat(1000) });
    const put = await globalThis.fetch(grant.upload_url, { method: "PUT", body: zip });
    expect(put.status).toBe(200);

    const res = await finalize(job, token, grant.upload_key);
    expect(res.status).toBe(201);
    expect((await h.json<JobEntity>(res)).artifacts_file).toEqual({ filename: "artifacts.zip", size: zip.length });
    expect(await archiveRow(job.id)).toMatchObject({
      storage_key: grant.upload_key,
      sha256: sha256(zip),
      size: zip.length,
    });
  });

  it("refuses an upload_key of another job, and one that was never uploaded", async () => {
    const { job, token } = await runningJob();
    const other = await runningJob();
    const theirs = await authorize(other.job, other.token);
    await globalThis.fetch(theirs.upload_url, { method: "PUT", body: smallZip() });
    const stolen = await finalize(job, token, theirs.upload_key);
    expect(stolen.status).toBe(400);
    expect(await h.json(stolen)).toEqual({ error: "upload_key is invalid" });

    const mine = await authorize(job, token);
    const missing = await finalize(job, token, mine.upload_key);
    expect(missing.status).toBe(400);
    expect(await h.json(missing)).toEqual({ error: "upload_key is invalid" });
    expect(await archiveRow(job.id)).toBeUndefined();
  });

  it("rejects and deletes a direct upload that is not a zip", async () => {
    const { job, token } = await runningJob();
    const grant = await authorize(job, token);
    await globalThis.fetch(grant.upload_url, { method: "PUT", body: "plain text" });
    const res = await finalize(job, token, grant.upload_key);
    expect(res.status).toBe(400);
    expect(await storedBytes(grant.upload_key)).toBeNull();
    expect(await archiveRow(job.id)).toBeUndefined();
  });
});
