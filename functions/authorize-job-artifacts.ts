import { runnerJob } from "../lib/auth/callers";
import { iso } from "../lib/http/entities";
import { integerParam } from "../lib/http/params";
import { directUploadKey, UPLOAD_INSURANCE_MS } from "../lib/ingest/keys";
import { scheduleDeletion } from "../lib/retention/deletion-queue";
import type { App } from "./app";

/** How long a direct-upload URL stays valid. */
const UPLOAD_URL_SECONDS = 3600;

/**
 * POST /api/v4/jobs/:job_id/artifacts/authorize: a presigned PUT for archives larger than a
 * Worker may receive. The client PUTs the zip to upload_url, then finalizes with a POST to
 * /api/v4/jobs/:job_id/artifacts carrying upload_key.
 */
export function register(app: App) {
  app.post("/api/v4/jobs/:job_id/artifacts/authorize", async (c) => {
    const { db, storage, now } = c.var.services;
    const jobId = integerParam(c.req.param("job_id"), "job_id");
    const job = await runnerJob(c, jobId);

    const key = directUploadKey(job);
    const expiresAt = new Date(now().getTime() + UPLOAD_URL_SECONDS * 1000);
    // Unless finalized, whatever lands under this key is removed by the cleanup a day later.
    await scheduleDeletion(db, [key], new Date(expiresAt.getTime() + UPLOAD_INSURANCE_MS));
    const uploadUrl = await storage.presignPut(key, { expiresIn: UPLOAD_URL_SECONDS });
    return c.json({ upload_url: uploadUrl, upload_key: key, expires_at: iso(expiresAt) });
  });
}
