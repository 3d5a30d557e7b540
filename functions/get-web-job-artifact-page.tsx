import { notFound } from "../lib/errors";
import { defineRoute, htmlResponse, webErrorResponses } from "../lib/http/route";
import { FilePage } from "../lib/web/file-page";
import { jobSummary } from "../lib/web/listing";
import {
  requireAvailable,
  WEB_JOB_ARTIFACTS,
  WebJobPathParams,
  webArtifactPath,
  webJobDownload,
} from "../lib/web/request";
import { fileView, htmlPage, webErrors } from "../lib/web/respond";
import type { App } from "./app";

export const route = defineRoute({
  method: "get",
  path: `${WEB_JOB_ARTIFACTS}/file/:path{.+}`,
  operationId: "getWebJobArtifactPage",
  summary: "A page showing one file of a job's artifacts",
  tags: ["Web"],
  requestParams: { path: WebJobPathParams },
  responses: { 200: htmlResponse("The page"), ...webErrorResponses() },
});

/**
 * GET /:namespace/:project/-/jobs/:job_id/artifacts/file/*path: a page for one file of the job's
 * archive (Projects::ArtifactsController#file): small text inline and escaped, images inline from
 * the raw route, anything else a download link. HTML files are shown as text: there is no GitLab
 * Pages here to send them to.
 */
export function register(app: App) {
  app.on(route.method, route.path, (c) =>
    webErrors(async () => {
      const path = webArtifactPath(c);
      const { projectPath, download } = await webJobDownload(c, path.text);
      requireAvailable(c, download);
      const valid = path.get();
      // The entry must be in the archive's index (GitLab's metadata): else render_404.
      if (download.entry.kind !== "found" || !download.archive) throw notFound();
      const entry = { ...download.entry.entry, name: valid.bytes };
      const [job, view] = await Promise.all([
        jobSummary(c.var.services.db, download.job.id),
        fileView(c, download, entry),
      ]);
      if (!job) throw notFound();
      const page = (
        <FilePage
          projectPath={projectPath}
          path={valid.text}
          size={entry.uncompressedSize}
          job={job}
          view={view}
          now={c.var.services.now()}
        />
      );
      return htmlPage(page, { shared: download.shared });
    }),
  );
}
