import { directUploadKey } from "../lib/artifacts";
import { iso } from "../lib/entities";
import { authenticateRunnerJob } from "../lib/jobs";
import { integerParam } from "../lib/params";
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
    const job = await authenticateRunnerJob(db, jobId, c.req.header("job-token") ?? c.req.query("token"));

    const key = directUploadKey(job);
    const uploadUrl = await storage.presignPut(key, { expiresIn: UPLOAD_URL_SECONDS });
    return c.json({
      upload_url: uploadUrl,
      upload_key: key,
      expires_at: iso(new Date(now().getTime() + UPLOAD_URL_SECONDS * 1000)),
    });
  });
}
