import { eq, like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { UPLOAD_INSURANCE_MS } from "../../../lib/ingest/keys";
import { runCleanup } from "../../../lib/retention/cleanup";
import { deletedObjects } from "../../../schema";
import { text } from "../../helpers/bytes";
import { harness, type JobEntity, type UploadGrant } from "../../helpers/harness";
import { bigZip, smallZip } from "../../helpers/zips";
import { appWith, sha256, uploads } from "./fixtures";

const h = harness();
const { storedBytes, archiveRow } = uploads(h);
const TOO_LARGE = { message: "file size has reached maximum size limit" };

/** A running job of a new public project, and its CI_JOB_TOKEN. */
async function publicJob() {
  const project = await h.make.project({ visibility: "public" });
  return { project, ...(await h.make.job(await h.make.pipeline(project))) };
}

async function authorize(job: { id: number }, token: string, filesize: number, fetch = h.fetch) {
  const res = await fetch(`${h.url.authorizeJobArtifacts(job)}?filesize=${filesize}`, {
    method: "POST",
    headers: { "JOB-TOKEN": token },
  });
  expect(res.status).toBe(200);
  return h.json<UploadGrant>(res);
}

/** The PUT a client makes to the presigned URL (s3rver checks no signature: finding 18). */
const put = (grant: UploadGrant, body: Uint8Array | string, type = "application/zip") =>
  globalThis.fetch(grant.upload_url, { method: "PUT", body, headers: { "Content-Type": type } });

function finalize(job: { id: number }, token: string, uploadKey: string, fetch = h.fetch) {
  return fetch(
    h.url.uploadJobArtifacts(job),
    h.send("POST", { upload_key: uploadKey, expire_in: "2 days" }, { "JOB-TOKEN": token }),
  );
}

/** Deletion rows of the job's archive keys: the insurance of copies made by finalize. */
const archiveInsurance = (job: { id: number; project_id: number }) =>
  h.db
    .select()
    .from(deletedObjects)
    .where(like(deletedObjects.storage_key, `artifacts/${job.project_id}/${job.id}/%`));

const insuranceOf = async (key: string) =>
  (await h.db.select().from(deletedObjects).where(eq(deletedObjects.storage_key, key)))[0];

/** What an anonymous download of the job's archive serves: the redirect's ETag, then the bytes behind it. */
async function download(project: { id: number }, job: { id: number }) {
  const redirect = await h.fetch(h.url.jobArtifacts(project, job));
  expect(redirect.status).toBe(302);
  const object = await globalThis.fetch(redirect.headers.get("location") ?? "");
  return {
    etag: redirect.headers.get("etag"),
    type: object.headers.get("content-type"),
    bytes: new Uint8Array(await object.arrayBuffer()),
  };
}

describe("direct upload: POST /api/v4/jobs/:job_id/artifacts with the upload_key of an authorized PUT", () => {
  it("records a copy of the PUT object under a key of its own, and deletes the upload (finding 4)", async () => {
    const { job, token } = await publicJob();
    const zip = smallZip({ "big.txt": "direct".repeat(1000) });
    const grant = await authorize(job, token, zip.length);
    expect(Date.parse(grant.expires_at)).toBeGreaterThan(Date.now());
    expect((await put(grant, zip)).status).toBe(200);

    const res = await finalize(job, token, grant.upload_key);
    expect(res.status).toBe(201);
    expect((await h.json<JobEntity>(res)).artifacts_file).toEqual({ filename: "artifacts.zip", size: zip.length });
    const row = await archiveRow(job.id);
    expect(row).toMatchObject({ sha256: sha256(zip), size: zip.length });
    expect(row?.storage_key).toMatch(new RegExp(`^artifacts/${job.project_id}/${job.id}/[0-9a-f-]{36}\\.zip$`));
    expect(await storedBytes(row?.storage_key ?? "")).toEqual(zip);
    expect(await h.exists(grant.upload_key)).toBe(false);
    // The copy's insurance was taken back with the record; the upload's stays while its URL lives.
    expect(await archiveInsurance(job)).toEqual([]);
    expect((await insuranceOf(grant.upload_key))?.pick_up_at.getTime()).toBe(
      Date.parse(grant.expires_at) + UPLOAD_INSURANCE_MS,
    );
  });

  it("serves the finalized bytes and ETag after a PUT of other bytes to the old URL (finding 4)", async () => {
    const { project, job, token } = await publicJob();
    const zip = smallZip({ "install.sh": "echo hello\n" });
    const grant = await authorize(job, token, zip.length);
    await put(grant, zip);
    expect((await finalize(job, token, grant.upload_key)).status).toBe(201);
    const before = await download(project, job);

    const evil = "<html><script>alert(document.domain)</script>";
    expect((await put(grant, evil, "text/html")).status).toBe(200);
    const after = await download(project, job);
    expect(after).toEqual(before);
    expect(after).toEqual({ etag: `"${sha256(zip)}"`, type: "application/zip", bytes: zip });
    const file = await h.fetch(h.url.jobArtifactFile(project, job, "install.sh"));
    expect(file.status).toBe(200);
    expect(await file.text()).toBe("echo hello\n");
  });

  it("stores the copy as application/zip whatever type the PUT carried", async () => {
    const { project, job, token } = await publicJob();
    const zip = smallZip();
    const grant = await authorize(job, token, zip.length);
    await put(grant, zip, "text/html");
    expect((await finalize(job, token, grant.upload_key)).status).toBe(201);
    expect((await download(project, job)).type).toBe("application/zip");
  });

  it("leaves what the URL writes after the artifacts are deleted to the cleanup, which removes it (finding 4)", async () => {
    // A clock of this test's own, far from every other file's: the cleanup below sees only its rows.
    const epoch = new Date("1991-03-01T00:00:00Z");
    const then = appWith(h, { now: epoch });
    const { project, job, token } = await publicJob();
    const zip = smallZip();
    const grant = await authorize(job, token, zip.length, then.fetch);
    await put(grant, zip);
    expect((await finalize(job, token, grant.upload_key, then.fetch)).status).toBe(201);
    const admin = h.as(await h.make.pat(await h.make.user({ admin: true })));
    const removed = await then.fetch(h.url.jobArtifacts(project, job), { method: "DELETE", headers: admin });
    expect(removed.status).toBe(204);

    expect((await put(grant, smallZip({ "late.txt": "late" }))).status).toBe(200);
    expect(await h.exists(grant.upload_key)).toBe(true);
    const insurance = await insuranceOf(grant.upload_key);
    expect(insurance?.pick_up_at.getTime()).toBe(Date.parse(grant.expires_at) + UPLOAD_INSURANCE_MS);

    const quiet = { error: () => {}, info: () => {} };
    await runCleanup({ ...then.services, log: quiet, now: () => insurance?.pick_up_at ?? epoch });
    expect(await h.exists(grant.upload_key)).toBe(false);
    expect(await insuranceOf(grant.upload_key)).toBeUndefined();
  });

  it("leaves both objects insured when finalize dies between copy and record, and a retry then records the upload", async () => {
    const { job, token } = await publicJob();
    const zip = smallZip();
    const grant = await authorize(job, token, zip.length);
    await put(grant, zip);
    // Storage stops answering reads and deletes once the copy is made: what a crash leaves behind.
    const down = () => Promise.reject(new Error("storage went away"));
    const crashing = appWith(h, { storage: h.wrapStorage({ read: down, delete: down }) });
    expect((await finalize(job, token, grant.upload_key, crashing.fetch)).status).toBeGreaterThanOrEqual(500);

    const [copy] = await archiveInsurance(job);
    expect(copy && (await h.exists(copy.storage_key))).toBe(true);
    expect(copy?.pick_up_at.getTime()).toBeGreaterThan(Date.now());
    expect(await h.exists(grant.upload_key)).toBe(true);
    expect(await insuranceOf(grant.upload_key)).toBeDefined();
    expect(await archiveRow(job.id)).toBeUndefined();

    expect((await finalize(job, token, grant.upload_key)).status).toBe(201);
    expect((await archiveRow(job.id))?.sha256).toBe(sha256(zip));
  });

  it("refuses an object whose size is not the one its URL was signed for, and keeps nothing", async () => {
    const { job, token } = await publicJob();
    const zip = smallZip();
    const grant = await authorize(job, token, zip.length + 5);
    await put(grant, zip);
    const res = await finalize(job, token, grant.upload_key);
    expect(res.status).toBe(400);
    expect(await h.json(res)).toEqual({ error: "upload_key is invalid" });
    expect(await archiveRow(job.id)).toBeUndefined();
    expect(await h.exists(grant.upload_key)).toBe(false);
    const [copy] = await archiveInsurance(job);
    expect(copy && (await h.exists(copy.storage_key))).toBe(false);
  });

  it("answers 413 when the object is past MAX_ARTIFACT_SIZE at finalize, and keeps nothing (finding 9)", async () => {
    const { job, token } = await publicJob();
    const zip = bigZip(3000);
    const grant = await authorize(job, token, zip.length);
    await put(grant, zip);
    const res = await finalize(job, token, grant.upload_key, appWith(h, { maxArtifactSize: zip.length - 1 }).fetch);
    expect(res.status).toBe(413);
    expect(await h.json(res)).toEqual(TOO_LARGE);
    expect(await archiveRow(job.id)).toBeUndefined();
    expect(await h.exists(grant.upload_key)).toBe(false);
    const [copy] = await archiveInsurance(job);
    expect(copy && (await h.exists(copy.storage_key))).toBe(false);

    const again = await authorize(job, token, zip.length);
    await put(again, zip);
    const exact = await finalize(job, token, again.upload_key, appWith(h, { maxArtifactSize: zip.length }).fetch);
    expect(exact.status).toBe(201);
  });

  it("refuses an upload_key of another job, and one that was never uploaded", async () => {
    const { job, token } = await publicJob();
    const other = await publicJob();
    const theirs = await authorize(other.job, other.token, smallZip().length);
    await put(theirs, smallZip());
    const stolen = await finalize(job, token, theirs.upload_key);
    expect(stolen.status).toBe(400);
    expect(await h.json(stolen)).toEqual({ error: "upload_key is invalid" });
    expect(await h.exists(theirs.upload_key)).toBe(true);

    const mine = await authorize(job, token, 100);
    const missing = await finalize(job, token, mine.upload_key);
    expect(missing.status).toBe(400);
    expect(await h.json(missing)).toEqual({ error: "upload_key is invalid" });
    expect(await archiveRow(job.id)).toBeUndefined();
  });

  it("rejects and deletes a direct upload that is not a zip", async () => {
    const { job, token } = await publicJob();
    const body = text("plain text");
    const grant = await authorize(job, token, body.length);
    await put(grant, body);
    const res = await finalize(job, token, grant.upload_key);
    expect(res.status).toBe(400);
    expect(await h.json(res)).toEqual({ message: "400 Bad request - File is not a zip archive" });
    expect(await storedBytes(grant.upload_key)).toBeNull();
    expect(await archiveRow(job.id)).toBeUndefined();
    const [copy] = await archiveInsurance(job);
    expect(copy && (await h.exists(copy.storage_key))).toBe(false);
  });
});
