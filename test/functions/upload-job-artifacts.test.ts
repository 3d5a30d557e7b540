import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { artifactEntries, jobArtifacts, jobs } from "../../schema";
import { factories } from "../helpers/factories";
import { body, harness } from "../helpers/harness";
import { bigZip, multipartUpload, smallZip } from "../helpers/zips";

const { fetch, db, storage } = harness();
const make = factories(db);

async function runningJob() {
  const project = await make.project();
  const pipeline = await make.pipeline(project);
  return make.job(pipeline);
}

function upload(jobId: number, token: string, form: FormData, query = "") {
  return fetch(`/api/v4/jobs/${jobId}/artifacts${query}`, {
    method: "POST",
    headers: { "JOB-TOKEN": token },
    body: form,
  });
}

async function storedBytes(key: string): Promise<Uint8Array | null> {
  const stream = await storage.read(key);
  return stream ? new Uint8Array(await new Response(stream).arrayBuffer()) : null;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function indexedPaths(artifactId: number) {
  const rows = await db.select().from(artifactEntries).where(eq(artifactEntries.artifact_id, artifactId));
  return rows.map((r) => r.path).sort();
}

async function archiveRow(jobId: number) {
  const [row] = await db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, jobId));
  return row;
}

describe("POST /api/v4/jobs/:job_id/artifacts", () => {
  it("streams the zip to storage and records its size and sha256", async () => {
    const { job, token } = await runningJob();
    const zip = smallZip({ "a.txt": "alpha", "dir/b.txt": "beta" });
    const res = await upload(job.id, token, multipartUpload(zip, { expire_in: "1 week", access: "developer" }));
    expect(res.status).toBe(201);
    const entity = await body<{
      id: number;
      artifacts_file: unknown;
      artifacts: unknown[];
      artifacts_expire_at: string;
    }>(res);
    expect(entity.id).toBe(job.id);
    expect(entity.artifacts_file).toEqual({ filename: "artifacts.zip", size: zip.length });
    expect(entity.artifacts).toEqual([
      { file_type: "archive", size: zip.length, filename: "artifacts.zip", file_format: "zip" },
    ]);
    const week = Date.parse(entity.artifacts_expire_at) - Date.now();
    expect(week).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(week).toBeLessThanOrEqual(7 * 86_400_000);

    const row = await archiveRow(job.id);
    expect(row).toMatchObject({ size: zip.length, sha256: sha256(zip), accessibility: "private", file_format: "zip" });
    expect(await storedBytes(row?.storage_key ?? "")).toEqual(zip);
    expect(row?.entries_indexed).toBe(true);
    expect(await indexedPaths(row?.id ?? 0)).toEqual(["a.txt", "dir/b.txt"]);
  });

  it("takes artifact settings from the query string, as GitLab Runner sends them", async () => {
    const { job, token } = await runningJob();
    const res = await upload(
      job.id,
      token,
      multipartUpload(smallZip()),
      "?artifact_type=archive&artifact_format=zip&expire_in=never&access=none",
    );
    expect(res.status).toBe(201);
    expect((await body(res)).artifacts_expire_at).toBeNull();
    expect(await archiveRow(job.id)).toMatchObject({ accessibility: "none", expire_at: null });
  });

  it("expires artifacts after GitLab's default of 30 days when expire_in is not given", async () => {
    const { job, token } = await runningJob();
    expect((await upload(job.id, token, multipartUpload(smallZip()))).status).toBe(201);
    const row = await archiveRow(job.id);
    const days = ((row?.expire_at?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThanOrEqual(30);
  });

  it("keeps an archive of several megabytes intact through the multipart upload", async () => {
    const { job, token } = await runningJob();
    const zip = bigZip(12 * 1024 * 1024);
    expect((await upload(job.id, token, multipartUpload(zip))).status).toBe(201);
    const row = await archiveRow(job.id);
    expect(row?.size).toBe(zip.length);
    expect(row?.sha256).toBe(sha256(zip));
    const stored = await storedBytes(row?.storage_key ?? "");
    expect(stored && sha256(stored)).toBe(sha256(zip));
  });

  it("replaces an earlier archive of the same job and deletes the old object", async () => {
    const { job, token } = await runningJob();
    expect((await upload(job.id, token, multipartUpload(smallZip({ "v1.txt": "one" })))).status).toBe(201);
    const first = await archiveRow(job.id);
    const second = smallZip({ "v2.txt": "two" });
    expect((await upload(job.id, token, multipartUpload(second))).status).toBe(201);
    const rows = await db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.storage_key).not.toBe(first?.storage_key);
    expect(await storedBytes(rows[0]?.storage_key ?? "")).toEqual(second);
    expect(await storedBytes(first?.storage_key ?? "")).toBeNull();
    expect(await indexedPaths(rows[0]?.id ?? 0)).toEqual(["v2.txt"]);
  });

  it("rejects a body that is not a zip with 400 and keeps nothing", async () => {
    const { job, token } = await runningJob();
    const notZip = new TextEncoder().encode("this is not a zip archive at all");
    const res = await upload(job.id, token, multipartUpload(notZip));
    expect(res.status).toBe(400);
    expect(await body(res)).toEqual({ message: "400 Bad request - File is not a zip archive" });
    expect(await archiveRow(job.id)).toBeUndefined();
  });

  it("rejects a file that starts like a zip but has no end record", async () => {
    const { job, token } = await runningJob();
    const truncated = smallZip({ "a.txt": "x".repeat(1000) }).slice(0, 60);
    const res = await upload(job.id, token, multipartUpload(truncated));
    expect(res.status).toBe(400);
    expect(await archiveRow(job.id)).toBeUndefined();
  });

  it("answers 400 when no file is sent", async () => {
    const { job, token } = await runningJob();
    const form = new FormData();
    form.append("expire_in", "1 day");
    const res = await upload(job.id, token, form);
    expect(res.status).toBe(400);
    expect(await body(res)).toEqual({ error: "file is missing" });
  });

  it("rejects an unparseable expire_in and an unknown artifact type", async () => {
    const { job, token } = await runningJob();
    const bad = await upload(job.id, token, multipartUpload(smallZip()), "?expire_in=soonish");
    expect(bad.status).toBe(400);
    expect(await body(bad)).toEqual({ error: "expire_in is invalid" });
    const type = await upload(job.id, token, multipartUpload(smallZip()), "?artifact_type=junit");
    expect(type.status).toBe(400);
    expect(await body(type)).toEqual({ error: "artifact_type does not have a valid value" });
    expect(await archiveRow(job.id)).toBeUndefined();
  });

  it("is 403 with another job's token, and with no token", async () => {
    const { job } = await runningJob();
    const other = await runningJob();
    expect((await upload(job.id, other.token, multipartUpload(smallZip()))).status).toBe(403);
    const anonymous = await fetch(`/api/v4/jobs/${job.id}/artifacts`, {
      method: "POST",
      body: multipartUpload(smallZip()),
    });
    expect(anonymous.status).toBe(403);
    expect(await archiveRow(job.id)).toBeUndefined();
  });

  it("is 403 once the job has finished: its token is no longer valid", async () => {
    const { job, token } = await runningJob();
    await db.update(jobs).set({ status: "success" }).where(eq(jobs.id, job.id));
    const res = await upload(job.id, token, multipartUpload(smallZip()));
    expect(res.status).toBe(403);
    expect(await body(res)).toEqual({ message: "403 Forbidden - Job is not processing on runner" });
  });

  it("answers a job id that is not a number like Grape", async () => {
    const res = await fetch("/api/v4/jobs/abc/artifacts", { method: "POST" });
    expect(res.status).toBe(400);
    expect(await body(res)).toEqual({ error: "job_id is invalid" });
  });
});

describe("direct upload: POST /api/v4/jobs/:job_id/artifacts/authorize, then finalize", () => {
  async function authorize(jobId: number, token: string) {
    const res = await fetch(`/api/v4/jobs/${jobId}/artifacts/authorize`, {
      method: "POST",
      headers: { "JOB-TOKEN": token },
    });
    expect(res.status).toBe(200);
    return body<{ upload_url: string; upload_key: string; expires_at: string }>(res);
  }

  function finalize(jobId: number, token: string, uploadKey: string) {
    return fetch(`/api/v4/jobs/${jobId}/artifacts`, {
      method: "POST",
      headers: { "JOB-TOKEN": token, "content-type": "application/json" },
      body: JSON.stringify({ upload_key: uploadKey, expire_in: "2 days" }),
    });
  }

  it("records an archive PUT straight to storage through the presigned URL", async () => {
    const { job, token } = await runningJob();
    const grant = await authorize(job.id, token);
    expect(Date.parse(grant.expires_at)).toBeGreaterThan(Date.now());
    const zip = smallZip({ "big.txt": "direct".repeat(1000) });
    const put = await globalThis.fetch(grant.upload_url, { method: "PUT", body: zip });
    expect(put.status).toBe(200);

    const res = await finalize(job.id, token, grant.upload_key);
    expect(res.status).toBe(201);
    expect((await body(res)).artifacts_file).toEqual({ filename: "artifacts.zip", size: zip.length });
    expect(await archiveRow(job.id)).toMatchObject({
      storage_key: grant.upload_key,
      sha256: sha256(zip),
      size: zip.length,
    });
  });

  it("refuses an upload_key of another job, and one that was never uploaded", async () => {
    const { job, token } = await runningJob();
    const other = await runningJob();
    const theirs = await authorize(other.job.id, other.token);
    await globalThis.fetch(theirs.upload_url, { method: "PUT", body: smallZip() });
    const stolen = await finalize(job.id, token, theirs.upload_key);
    expect(stolen.status).toBe(400);
    expect(await body(stolen)).toEqual({ error: "upload_key is invalid" });

    const mine = await authorize(job.id, token);
    const missing = await finalize(job.id, token, mine.upload_key);
    expect(missing.status).toBe(400);
    expect(await body(missing)).toEqual({ error: "upload_key is invalid" });
    expect(await archiveRow(job.id)).toBeUndefined();
  });

  it("rejects and deletes a direct upload that is not a zip", async () => {
    const { job, token } = await runningJob();
    const grant = await authorize(job.id, token);
    await globalThis.fetch(grant.upload_url, { method: "PUT", body: "plain text" });
    const res = await finalize(job.id, token, grant.upload_key);
    expect(res.status).toBe(400);
    expect(await storedBytes(grant.upload_key)).toBeNull();
    expect(await archiveRow(job.id)).toBeUndefined();
  });

  it("is 403 without the job's token", async () => {
    const { job } = await runningJob();
    const res = await fetch(`/api/v4/jobs/${job.id}/artifacts/authorize`, { method: "POST" });
    expect(res.status).toBe(403);
  });
});
