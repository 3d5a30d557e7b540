import { describe, expect, it } from "vitest";
import { harness } from "../../helpers/harness";
import { multipartUpload, smallZip } from "../../helpers/zips";
import { uploads } from "./fixtures";

const h = harness();
const { runningJob, upload, archiveRow } = uploads(h);

describe("POST /api/v4/jobs/:job_id/artifacts: absurd expire_in", () => {
  it.each(["99999999999999999999", "9999999 years", "300000 years", "8000 years"])(
    "answers 400 expire_in is invalid, not 500, and keeps nothing: %s",
    async (expireIn) => {
      const { job, token } = await runningJob();
      const res = await upload(job, token, multipartUpload(smallZip()), `?expire_in=${encodeURIComponent(expireIn)}`);
      expect(res.status).toBe(400);
      expect(await h.json(res)).toEqual({ error: "expire_in is invalid" });
      expect(await archiveRow(job.id)).toBeUndefined();
    },
  );

  it("keeps a long but representable expiry", async () => {
    const { job, token } = await runningJob();
    const res = await upload(job, token, multipartUpload(smallZip()), "?expire_in=7000%20years");
    expect(res.status).toBe(201);
    expect((await archiveRow(job.id))?.expire_at?.getUTCFullYear()).toBeGreaterThan(8000);
  });
});
