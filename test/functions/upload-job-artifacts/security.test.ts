import { like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { deletedObjects } from "../../../schema";
import { harness } from "../../helpers/harness";
import { multipartUpload, smallZip } from "../../helpers/zips";
import { sha256, uploads } from "./fixtures";

const h = harness();
const { runningJob, upload, archiveRow, indexedPaths } = uploads(h);

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

describe("a request with two file parts", () => {
  it("keeps the first archive and never stores the second (security review finding 13)", async () => {
    const { job, token } = await runningJob();
    const first = smallZip({ "first.txt": "first" });
    const form = multipartUpload(first);
    form.append("file", new Blob([smallZip({ "second.txt": "second" })], { type: "application/zip" }), "b.zip");
    const res = await upload(job, token, form);
    expect(res.status).toBe(201);
    const row = await archiveRow(job.id);
    expect(row?.sha256).toBe(sha256(first));
    expect(await indexedPaths(row?.storage_key ?? "")).toEqual(["first.txt"]);
    // The second part was refused before storage: no upload insurance row was written for it.
    const insured = await h.db
      .select()
      .from(deletedObjects)
      .where(like(deletedObjects.storage_key, `artifacts/${job.project_id}/${job.id}/%`));
    expect(insured).toEqual([]);
  });
});
