import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { jobArtifacts } from "../../../schema";
import { harness, type JobEntity } from "../../helpers/harness";
import { bigZip, multipartUpload, smallZip } from "../../helpers/zips";
import { sha256, uploads } from "./fixtures";

const h = harness();
const { runningJob, upload, storedBytes, indexedPaths, archiveRow } = uploads(h);

describe("POST /api/v4/jobs/:job_id/artifacts", () => {
  it("streams the zip to storage and records its size and sha256", async () => {
    const { job, token } = await runningJob();
    const zip = smallZip({ "a.txt": "alpha", "dir/b.txt": "beta" });
    const res = await upload(job, token, multipartUpload(zip, { expire_in: "1 week", access: "developer" }));
    expect(res.status).toBe(201);
    const entity = await h.json<JobEntity>(res);
    expect(entity.id).toBe(job.id);
    expect(entity.artifacts_file).toEqual({ filename: "artifacts.zip", size: zip.length });
    expect(entity.artifacts).toEqual([
      { file_type: "archive", size: zip.length, filename: "artifacts.zip", file_format: "zip" },
    ]);
    const week = Date.parse(entity.artifacts_expire_at ?? "") - Date.now();
    expect(week).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(week).toBeLessThanOrEqual(7 * 86_400_000);

    const row = await archiveRow(job.id);
    expect(row).toMatchObject({ size: zip.length, sha256: sha256(zip), accessibility: "private", file_format: "zip" });
    expect(await storedBytes(row?.storage_key ?? "")).toEqual(zip);
    expect(row?.entries_indexed).toBe(true);
    expect(await indexedPaths(row?.storage_key ?? "")).toEqual(["a.txt", "dir/b.txt"]);
  });

  it("takes artifact settings from the query string, as GitLab Runner sends them", async () => {
    const { job, token } = await runningJob();
    const res = await upload(
      job,
      token,
      multipartUpload(smallZip()),
      "?artifact_type=archive&artifact_format=zip&expire_in=never&access=none",
    );
    expect(res.status).toBe(201);
    expect((await h.json<JobEntity>(res)).artifacts_expire_at).toBeNull();
    expect(await archiveRow(job.id)).toMatchObject({ accessibility: "none", expire_at: null });
  });

  it("expires artifacts after GitLab's default of 30 days when expire_in is not given", async () => {
    const { job, token } = await runningJob();
    expect((await upload(job, token, multipartUpload(smallZip()))).status).toBe(201);
    const row = await archiveRow(job.id);
    const days = ((row?.expire_at?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThanOrEqual(30);
  });

  it("keeps an archive of several megabytes intact through the multipart upload", async () => {
    const { job, token } = await runningJob();
    const zip = bigZip(12 * 1024 * 1024);
    expect((await upload(job, token, multipartUpload(zip))).status).toBe(201);
    const row = await archiveRow(job.id);
    expect(row?.size).toBe(zip.length);
    expect(row?.sha256).toBe(sha256(zip));
    const stored = await storedBytes(row?.storage_key ?? "");
    expect(stored && sha256(stored)).toBe(sha256(zip));
  });

  it("replaces an earlier archive of the same job and deletes the old object", async () => {
    const { job, token } = await runningJob();
    expect((await upload(job, token, multipartUpload(smallZip({ "v1.txt": "one" })))).status).toBe(201);
    const first = await archiveRow(job.id);
    expect(await indexedPaths(first?.storage_key ?? "")).toEqual(["v1.txt"]);
    const second = smallZip({ "v2.txt": "two" });
    expect((await upload(job, token, multipartUpload(second))).status).toBe(201);
    const rows = await h.db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.storage_key).not.toBe(first?.storage_key);
    expect(await storedBytes(rows[0]?.storage_key ?? "")).toEqual(second);
    expect(await storedBytes(first?.storage_key ?? "")).toBeNull();
    // The old object's index went with it.
    expect(await indexedPaths(first?.storage_key ?? "")).toEqual([]);
    expect(await indexedPaths(rows[0]?.storage_key ?? "")).toEqual(["v2.txt"]);
  });
});
