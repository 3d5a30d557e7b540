import { deferredArtifactPath } from "../lib/downloads/artifact-path";
import { SHARED_MAX_AGE } from "../lib/downloads/cache";
import { authorizedDownload, refParams, serveFile } from "../lib/downloads/request";
import { internalError } from "../lib/errors";
import type { App } from "./app";

/**
 * GET /api/v4/projects/:id/jobs/artifacts/:ref_name/raw/*artifact_path?job=NAME: one file from
 * the ref's latest successful job of that name, its type sniffed so that nothing textual can
 * render as HTML (text/plain), as Workhorse does on this route.
 */
export function register(app: App) {
  app.get("/api/v4/projects/:id/jobs/artifacts/:ref_name{.+}/raw/:artifact_path{.+}", async (c) => {
    const { ref, jobName, rawPath } = refParams(c);
    const path = deferredArtifactPath(rawPath ?? "");
    const { row, shared } = await authorizedDownload(c, { ref, jobName }, path.text);
    const valid = path.get();
    // A job found through report artifacts alone has no archive: GitLab fails with 500 here.
    if (row.archive_key === null) throw internalError();
    return serveFile(c, row, valid, "sniff", shared ? SHARED_MAX_AGE.latest : undefined);
  });
}
