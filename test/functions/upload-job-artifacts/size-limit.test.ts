import { like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { deletedObjects } from "../../../schema";
import { random } from "../../helpers/bytes";
import { harness } from "../../helpers/harness";
import { bigZip, multipartUpload } from "../../helpers/zips";
import { appWith, uploads } from "./fixtures";

const h = harness();
const { runningJob, archiveRow } = uploads(h);
const TOO_LARGE = { message: "file size has reached maximum size limit" };
const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

/**
 * A form sent as a stream of CHUNK-byte pieces, counting what the server pulls: with its
 * Content-Length, or without one (chunked, as a runner streaming its zip sends it).
 */
async function streamed(form: FormData, options: { length: boolean }) {
  const encoded = new Request("http://form.test/", { method: "POST", body: form });
  const bytes = new Uint8Array(await encoded.arrayBuffer());
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= bytes.length) return controller.close();
        const chunk = bytes.subarray(pulled, pulled + CHUNK);
        pulled += chunk.length;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  const headers: Record<string, string> = { "content-type": encoded.headers.get("content-type") ?? "" };
  if (options.length) headers["content-length"] = String(bytes.length);
  return { body, headers, total: bytes.length, pulled: () => pulled };
}

async function upload(maxArtifactSize: number, form: FormData, options: { length: boolean }) {
  const { job, token } = await runningJob();
  const sent = await streamed(form, options);
  const res = await appWith(h, { maxArtifactSize }).fetch(h.url.uploadJobArtifacts(job), {
    method: "POST",
    headers: { ...sent.headers, "JOB-TOKEN": token },
    body: sent.body,
    duplex: "half",
  } as RequestInit);
  // Archive keys the upload insured: one per object it began to store.
  const insured = await h.db
    .select()
    .from(deletedObjects)
    .where(like(deletedObjects.storage_key, `artifacts/${job.project_id}/${job.id}/%`));
  return { res, job, sent, insured: insured.map((row) => row.storage_key) };
}

describe("MAX_ARTIFACT_SIZE on a multipart upload (security review finding 9)", () => {
  it("answers 413 by Content-Length, before reading the body or storing anything", async () => {
    const { res, job, sent, insured } = await upload(64 * 1024, multipartUpload(bigZip(3 * MiB)), { length: true });
    expect(res.status).toBe(413);
    expect(await h.json(res)).toEqual(TOO_LARGE);
    expect(sent.pulled()).toBe(0);
    expect(insured).toEqual([]);
    expect(await archiveRow(job.id)).toBeUndefined();
  });

  it("stops reading a body without Content-Length once the file passes the maximum, and deletes what was stored", async () => {
    // Past one 5 MiB part: storage holds an unfinished multipart upload when the limit trips.
    const max = 6 * MiB;
    const { res, job, sent, insured } = await upload(max, multipartUpload(bigZip(16 * MiB)), { length: false });
    expect(res.status).toBe(413);
    expect(await h.json(res)).toEqual(TOO_LARGE);
    // Read up to the limit, the bytes queued toward storage (1 MiB) and a few chunks: not the rest.
    expect(sent.pulled()).toBeLessThan(max + 2 * MiB);
    expect(sent.total).toBeGreaterThan(16 * MiB);
    expect(insured).toHaveLength(1);
    expect(await h.exists(insured[0] ?? "")).toBe(false);
    expect(await archiveRow(job.id)).toBeUndefined();
  });

  it("takes a file of exactly the maximum and refuses one byte more, with or without Content-Length", async () => {
    const zip = bigZip(200_000);
    for (const length of [true, false]) {
      const exact = await upload(zip.length, multipartUpload(zip), { length });
      expect(exact.res.status).toBe(201);
      expect((await archiveRow(exact.job.id))?.size).toBe(zip.length);
      const over = await upload(zip.length - 1, multipartUpload(zip), { length });
      expect(over.res.status).toBe(413);
      expect(await h.json(over.res)).toEqual(TOO_LARGE);
      expect(await archiveRow(over.job.id)).toBeUndefined();
    }
  });

  it("counts the whole body: megabytes in other parts beside a small file are 413 too", async () => {
    const form = multipartUpload(bigZip(1000));
    form.append("metadata", new Blob([random(4 * MiB)]), "metadata.gz");
    const { res, sent } = await upload(64 * 1024, form, { length: false });
    expect(res.status).toBe(413);
    expect(await h.json(res)).toEqual(TOO_LARGE);
    expect(sent.pulled()).toBeLessThan(sent.total);
  });
});
