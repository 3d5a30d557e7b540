import { z } from "zod";
import { runnerJob } from "../lib/auth/callers";
import { loadJobView } from "../lib/ci/jobs";
import { ApiError, archiveFailure, notFound, paramInvalid, paramMissing } from "../lib/errors";
import { JobSchema, jobEntity } from "../lib/http/entities";
import { integerParam, parseParams } from "../lib/http/params";
import { baseUrl, queryParams, readParams } from "../lib/http/request";
import { defineRoute, errorResponses, jsonResponse, MessageError } from "../lib/http/route";
import { DEFAULT_EXPIRE_IN, expiryFrom, parseExpireIn } from "../lib/ingest/expire-in";
import { archiveKey, signedUploadSize } from "../lib/ingest/keys";
import { readMultipart } from "../lib/ingest/multipart";
import { recordArchive } from "../lib/ingest/record";
import { adoptDirectUpload, discardArchive, type StoredArchive, storeArchive } from "../lib/ingest/store";
import type { Services } from "../lib/platform/services";
import type { Storage } from "../lib/platform/storage";
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
  let stored: StoredArchive | undefined;
  // Claimed when the first `file` part starts: a second one may begin before the first is stored.
  let claimed = false;
  await readMultipart(
    request,
    {
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
        stored = await storeArchive(services, key, body);
      },
    },
    { maxFileBytes: services.config.MAX_ARTIFACT_SIZE },
  );
  return stored;
}

/**
 * Deletes a direct upload's object once finalize is over. Its deletion row (authorize) stays
 * until a day after the URL expires, so whatever the URL still writes is removed by the cleanup.
 */
async function deleteUpload(storage: Storage, key: string) {
  await storage.delete([key]).catch(() => {});
}

export const route = defineRoute({
  method: "post",
  path: "/api/v4/jobs/:job_id/artifacts",
  operationId: "uploadJobArtifacts",
  summary: "Upload a job's artifacts archive, or finalize a direct upload (runner)",
  tags: ["Runner"],
  requestBody: {
    content: {
      "multipart/form-data": { schema: Params.extend({ file: z.string().meta({ format: "binary" }).optional() }) },
    },
  },
  responses: {
    201: jsonResponse(JobSchema, "The job with its artifacts"),
    ...errorResponses(400, 401, 403, 404),
    413: {
      description: "Too large: Rails' JSON, or Workhorse's text for an archive past the entry limits",
      content: { "application/json": { schema: MessageError }, "text/plain": { schema: z.string() } },
    },
  },
});

/**
 * POST /api/v4/jobs/:job_id/artifacts: the runner uploads the job's archive (multipart field
 * `file`, streamed to storage), or finalizes a direct upload with `upload_key`.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    const services = c.var.services;
    const { db, storage, now, config } = services;
    const jobId = integerParam(c.req.param("job_id"), "job_id");
    const job = await runnerJob(c, jobId);

    const multipart = /^multipart\/form-data/i.test(c.req.header("content-type") ?? "");
    const fields: Record<string, unknown> = multipart ? queryParams(c) : await readParams(c);
    let stored: StoredArchive | undefined;
    // A direct upload's own key, once known to be the job's.
    let upload: string | undefined;
    try {
      if (multipart) stored = await receiveFile(services, c.req.raw, job, fields);
      const settings = uploadSettings(fields, now());
      if (!stored && settings.uploadKey !== undefined) {
        const size = signedUploadSize(job, settings.uploadKey);
        if (size === null) throw paramInvalid("upload_key");
        upload = settings.uploadKey;
        stored = await adoptDirectUpload(services, job, { key: upload, size }, config.MAX_ARTIFACT_SIZE);
        if (!stored) throw paramInvalid("upload_key");
      }
      if (!stored) throw paramMissing("file");
      await recordArchive(services, job, { ...stored, ...settings });
    } catch (error) {
      if (stored) await discardArchive(services, stored.key);
      const answer = archiveFailure(error, { kind: "upload" });
      // A refused upload goes; after a failure of ours (storage, database) it stays for a retry.
      if (upload && answer instanceof ApiError && answer.status < 500) await deleteUpload(storage, upload);
      throw answer;
    }
    if (upload) await deleteUpload(storage, upload);

    const view = await loadJobView(db, job.id);
    if (!view) throw notFound("Job");
    return c.json(jobEntity(view, baseUrl(c), now()), 201);
  });
}
