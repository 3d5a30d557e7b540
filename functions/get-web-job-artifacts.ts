import { serveArchive } from "../lib/downloads/request";
import { WEB_JOB_ARTIFACTS, webJobDownload } from "../lib/web/request";
import { webErrors } from "../lib/web/respond";
import type { App } from "./app";

/**
 * GET /:namespace/:project/-/jobs/:job_id/artifacts/download: the job's archive as a 302 to
 * storage (Projects::ArtifactsController#download, send_upload), errors as GitLab's HTML pages.
 */
export function register(app: App) {
  app.get(`${WEB_JOB_ARTIFACTS}/download`, (c) =>
    webErrors(async () => {
      const { download } = await webJobDownload(c);
      return serveArchive(c, download);
    }),
  );
}
