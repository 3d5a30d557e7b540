import { z } from "zod";
import { runnerJob } from "../lib/auth/callers";
import { artifactTooLarge } from "../lib/errors";
import { iso } from "../lib/http/entities";
import { integerParam, parseParams } from "../lib/http/params";
import { readParams } from "../lib/http/request";
import { defineRoute, errorResponses, jsonResponse, MessageError, paramsBody } from "../lib/http/route";
import { ARCHIVE_CONTENT_TYPE, directUploadKey, UPLOAD_INSURANCE_MS } from "../lib/ingest/keys";
import { scheduleDeletion } from "../lib/retention/deletion-queue";
import type { App } from "./app";

/** How long a direct-upload URL stays valid. */
const UPLOAD_URL_SECONDS = 3600;

/**
 * GitLab's `filesize` (optional there; Workhorse then counts the streamed bytes). Here the
 * client PUTs straight to storage, which only limits a presigned PUT by a signed Content-Length,
 * and a PUT always sends one: so the size is required, and the URL is signed for exactly it.
 */
const Params = z.object({ filesize: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });

const UploadGrantSchema = z
  .strictObject({
    upload_url: z.string(),
    upload_key: z.string(),
    expires_at: z.string().meta({ format: "date-time" }),
  })
  .meta({ id: "UploadGrant" });

export const route = defineRoute({
  method: "post",
  path: "/api/v4/jobs/:job_id/artifacts/authorize",
  operationId: "authorizeJobArtifacts",
  summary: "Get a presigned URL to upload a large artifacts archive (runner)",
  tags: ["Runner"],
  requestBody: paramsBody(Params),
  responses: {
    200: jsonResponse(UploadGrantSchema, "Where to PUT the archive"),
    ...errorResponses(400, 401, 403, 404),
    413: jsonResponse(MessageError, "Larger than MAX_ARTIFACT_SIZE"),
  },
});

/**
 * POST /api/v4/jobs/:job_id/artifacts/authorize: a presigned PUT for archives larger than a
 * Worker may receive. The client PUTs the zip to upload_url, then finalizes with a POST to
 * /api/v4/jobs/:job_id/artifacts carrying upload_key.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    const { db, storage, now, config } = c.var.services;
    const jobId = integerParam(c.req.param("job_id"), "job_id");
    const job = await runnerJob(c, jobId);
    const { filesize } = parseParams(Params, await readParams(c));
    // Ci::JobArtifacts::CreateService#authorize: a known size past the maximum is 413.
    if (filesize > config.MAX_ARTIFACT_SIZE) throw artifactTooLarge();

    const key = directUploadKey(job, filesize);
    const expiresAt = new Date(now().getTime() + UPLOAD_URL_SECONDS * 1000);
    // Whatever lands under this key, before or after finalize, is removed by the cleanup a day
    // after the URL expires; finalize copies the upload away and leaves this row in place.
    await scheduleDeletion(db, [key], new Date(expiresAt.getTime() + UPLOAD_INSURANCE_MS));
    const uploadUrl = await storage.presignPut(key, {
      expiresIn: UPLOAD_URL_SECONDS,
      size: filesize,
      contentType: ARCHIVE_CONTENT_TYPE,
    });
    return c.json({ upload_url: uploadUrl, upload_key: key, expires_at: iso(expiresAt) });
  });
}
