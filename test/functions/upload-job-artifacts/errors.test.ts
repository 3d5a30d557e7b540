import { describe, expect, it } from "vitest";
import { text } from "../../helpers/bytes";
import { harness } from "../../helpers/harness";
import { multipartUpload, smallZip } from "../../helpers/zips";
import { uploads } from "./fixtures";

const h = harness();
const { runningJob, upload, archiveRow } = uploads(h);

describe("POST /api/v4/jobs/:job_id/artifacts", () => {
  it("rejects a body that is not a zip with 400 and keeps nothing", async () => {
    const { job, token } = await runningJob();
    const res = await upload(job, token, multipartUpload(text("this is not a zip archive at all")));
    expect(res.status).toBe(400);
    expect(await h.json(res)).toEqual({ message: "400 Bad request - File is not a zip archive" });
    expect(await archiveRow(job.id)).toBeUndefined();
  });

  it("rejects a file that starts like a zip but has no end record", async () => {
    const { job, token } = await runningJob();
    const truncated = smallZip({ "a.txt": "x".repeat(1000) }).slice(0, 60);
    const res = await upload(job, token, multipartUpload(truncated));
    expect(res.status).toBe(400);
    expect(await archiveRow(job.id)).toBeUndefined();
  });

  it("answers 400 when no file is sent", async () => {
    const { job, token } = await runningJob();
    const form = new FormData();
    form.append("expire_in", "1 day");
    const res = await upload(job, token, form);
    expect(res.status).toBe(400);
    expect(await h.json(res)).toEqual({ error: "file is missing" });
  });

  it("rejects an unparseable expire_in and an unknown artifact type", async () => {
    const { job, token } = await runningJob();
    const bad = await upload(job, token, multipartUpload(smallZip()), "?expire_in=soonish");
    expect(bad.status).toBe(400);
    expect(await h.json(bad)).toEqual({ error: "expire_in is invalid" });
    const type = await upload(job, token, multipartUpload(smallZip()), "?artifact_type=junit");
    expect(type.status).toBe(400);
    expect(await h.json(type)).toEqual({ error: "artifact_type does not have a valid value" });
    expect(await archiveRow(job.id)).toBeUndefined();
  });

  it("answers a job id that is not a number like Grape", async () => {
    const res = await h.fetch(h.url.uploadJobArtifacts("abc"), { method: "POST" });
    expect(res.status).toBe(400);
    expect(await h.json(res)).toEqual({ error: "job_id is invalid" });
  });
});
