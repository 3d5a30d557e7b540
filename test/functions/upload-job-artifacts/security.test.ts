import { describe, expect, it } from "vitest";
import { harness } from "../../helpers/harness";
import { multipartUpload, smallZip } from "../../helpers/zips";
import { uploads } from "./fixtures";

const h = harness();
const { runningJob, upload, archiveRow } = uploads(h);

describe("who may upload a job's artifacts", () => {
  it("is 403 with another job's token, and with no token", async () => {
    const { job } = await runningJob();
    const other = await runningJob();
    expect((await upload(job, other.token, multipartUpload(smallZip()))).status).toBe(403);
    const anonymous = await h.fetch(h.url.uploadJobArtifacts(job), {
      method: "POST",
      body: multipartUpload(smallZip()),
    });
    expect(anonymous.status).toBe(403);
    expect(await archiveRow(job.id)).toBeUndefined();
  });

  it("is 403 once the job has finished: its token is no longer valid", async () => {
    const { job, token } = await h.make.job(await h.make.pipeline(await h.make.project()), { status: "success" });
    const res = await upload(job, token, multipartUpload(smallZip()));
    expect(res.status).toBe(403);
    expect(await h.json(res)).toEqual({ message: "403 Forbidden - Job is not processing on runner" });
  });
});
