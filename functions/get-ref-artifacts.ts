import { redirectToArchive } from "../lib/downloads/archive";
import { archiveOf } from "../lib/downloads/lookup";
import { authorizedDownload, refParams } from "../lib/downloads/request";
import type { App } from "./app";

/**
 * GET /api/v4/projects/:id/jobs/artifacts/:ref_name/download?job=NAME: the archive of the
 * named job in the ref's latest successful pipeline (and its child pipelines), as a 302.
 */
export function register(app: App) {
  app.get("/api/v4/projects/:id/jobs/artifacts/:ref_name{.+}/download", async (c) => {
    const { ref, jobName } = refParams(c);
    const { row, shared } = await authorizedDownload(c, { ref, jobName });
    return redirectToArchive(c.var.services, c.req.raw, archiveOf(row), shared);
  });
}
