import { serveArchive } from "../lib/downloads/request";
import { archiveResponses, defineRoute, webErrorResponses } from "../lib/http/route";
import { WEB_JOB_ARTIFACTS, WebJobPathParams, webJobDownload } from "../lib/web/request";
import { webErrors } from "../lib/web/respond";
import type { App } from "./app";

export const route = defineRoute({
  method: "get",
  path: `${WEB_JOB_ARTIFACTS}/download`,
  operationId: "getWebJobArtifacts",
  summary: "Download a job's artifacts archive (web URL)",
  tags: ["Web"],
  requestParams: { path: WebJobPathParams },
  responses: { ...archiveResponses, ...webErrorResponses() },
});

/**
 * GET /:namespace/:project/-/jobs/:job_id/artifacts/download: the job's archive as a 302 to
 * storage (Projects::ArtifactsController#download, send_upload), errors as GitLab's HTML pages.
 */
export function register(app: App) {
  app.on(route.method, route.path, (c) =>
    webErrors(async () => {
      const { download } = await webJobDownload(c);
      return serveArchive(c, download);
    }),
  );
}
