import { z } from "zod";
import { runnerJob } from "../lib/auth/callers";
import { loadJobView } from "../lib/ci/jobs";
import { archiveFailure, notFound, paramInvalid, paramMissing } from "../lib/errors";
import { jobEntity } from "../lib/http/entities";
import { integerParam, parseParams } from "../lib/http/params";
import { baseUrl, queryParams, readParams } from "../lib/http/request";
import { DEFAULT_EXPIRE_IN, expiryFrom, parseExpireIn } from "../lib/ingest/expire-in";
import { archiveKey, directUploadPrefix } from "../lib/ingest/keys";
import { readMultipart } from "../lib/ingest/multipart";
import { type ArchiveRecord, recordArchive } from "../lib/ingest/record";
import { inspectStoredArchive, storeArchive } from "../lib/ingest/store";
import type { Services } from "../lib/platform/services";
import type { App } from "./app";

const Params = z.object({
  artifact_type: z.enum(["archive"]).default("archive"),
  artifact_format: z.enum(["zip"]).default("zip"),
  expire_in: z.string().max(100).optional(),
  access: z.enum(["all", "developer", "none"]).default("all"),
  upload_key: z.string().max(200).optional(),
});

const ACCESSIBILITY = { all: "public", developer: "private", none: "none" } as const;

function uploadSettings(fields: Record<string, unknown>, now: Date) {
  const params = parseParams(Params, fields);
  const seconds = parseExpireIn(params.expire_in ?? DEFAULT_EXPIRE_IN);
  const expireAt = seconds === null || seconds === undefined ? seconds : expiryFrom(seconds, now);
  if (expireAt === undefined) throw paramInvalid("expire_in");
  return { uploadKey: params.upload_key, accessibility: ACCESSIBILITY[params.access], expireAt };
}

/** Streams the multipart `file` into storage; the other fields land in `fields`. */
async function receiveFile(
  services: Services,
  request: Request,
  job: Parameters<typeof archiveKey>[0],
  fields: Record<string, unknown>,
) {
  let stored: Omit<ArchiveRecord, "accessibility" | "expireAt"> | undefined;
  // Claimed when the first `file` part starts: a second one may begin before the first is stored.
  let claimed = false;
  await readMultipart(request, {
    field: (name, value) => {
      fields[name] = value;
    },
    file: async (name, body) => {
      // Runners also send a `metadata` file; only the first archive is kept.
      if (name !== "file" || claimed) return body.cancel();
      claimed = true;
      // A bad expire_in or access sent before the file is a 400 before the archive streams; the
      // handler reads the settings again after the body, with any fields that follow the file.
      uploadSettings(fields, services.now());
      const key = archiveKey(job);
      stored = { key, summary: await storeArchive(services, key, body) };
    },
  });
  return stored;
}

/**
 * POST /api/v4/jobs/:job_id/artifacts: the runner uploads the job's archive (multipart field
 * `file`, streamed to storage), or finalizes a direct upload with `upload_key`.
 */
export function register(app: App) {
  app.post("/api/v4/jobs/:job_id/artifacts", async (c) => {
    const services = c.var.services;
    const { db, storage, now } = services;
    const jobId = integerParam(c.req.param("job_id"), "job_id");
    const job = await runnerJob(c, jobId);

    const multipart = /^multipart\/form-data/i.test(c.req.header("content-type") ?? "");
    const fields: Record<string, unknown> = multipart ? queryParams(c) : await readParams(c);
    let stored: Omit<ArchiveRecord, "accessibility" | "expireAt"> | undefined;
    try {
      if (multipart) stored = await receiveFile(services, c.req.raw, job, fields);
      const settings = uploadSettings(fields, now());
      if (!stored && settings.uploadKey !== undefined) {
        const key = settings.uploadKey;
        if (!key.startsWith(directUploadPrefix(job)) || key.includes("..")) throw paramInvalid("upload_key");
        const summary = await inspectStoredArchive(storage, key).catch(async (error) => {
          await storage.delete([key]).catch(() => {});
          throw error;
        });
        if (!summary) throw paramInvalid("upload_key");
        stored = { key, summary };
      }
      if (!stored) throw paramMissing("file");
      await recordArchive(services, job, { ...stored, ...settings });
    } catch (error) {
      if (stored) await storage.delete([stored.key]).catch(() => {});
      throw archiveFailure(error, { kind: "upload" });
    }

    const view = await loadJobView(db, job.id);
    if (!view) throw notFound("Job");
    return c.json(jobEntity(view, baseUrl(c), now()), 201);
  });
}
