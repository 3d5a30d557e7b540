import { z } from "zod";
import { notFound } from "../lib/errors";
import type { AppContext } from "../lib/http/app-env";
import { queryParam } from "../lib/http/request";
import { defineRoute, htmlResponse, webErrorResponses } from "../lib/http/route";
import { BrowsePage } from "../lib/web/browse-page";
import { listDirectory } from "../lib/web/listing";
import {
  requireAvailable,
  WEB_JOB_ARTIFACTS,
  WebJobPathParams,
  webArtifactPath,
  webJobDownload,
} from "../lib/web/request";
import { htmlPage, webErrors } from "../lib/web/respond";
import type { App } from "./app";

const browseResponses = {
  200: htmlResponse("One page of the directory's listing"),
  ...webErrorResponses(),
};

/** The archive's top directory. */
export const route = defineRoute({
  method: "get",
  path: `${WEB_JOB_ARTIFACTS}/browse`,
  operationId: "browseJobArtifacts",
  summary: "Browse a job's artifacts",
  tags: ["Web"],
  requestParams: { path: WebJobPathParams.omit({ path: true }), query: z.object({ after: z.string().optional() }) },
  responses: browseResponses,
});

/** A directory below it. */
export const directoryRoute = defineRoute({
  ...route,
  path: `${WEB_JOB_ARTIFACTS}/browse/:path{.+}`,
  operationId: "browseJobArtifactsDirectory",
  summary: "Browse a directory of a job's artifacts",
  requestParams: { ...route.requestParams, path: WebJobPathParams },
});

/**
 * GET /:namespace/:project/-/jobs/:job_id/artifacts/browse(/*path): a directory of the job's
 * archive (Projects::ArtifactsController#browse), one page of it at a time (`?after=`), from the
 * archive's index: the download's one statement, then the listing's one statement.
 */
export function register(app: App) {
  const browse = (c: AppContext) =>
    webErrors(async () => {
      const path = webArtifactPath(c);
      const { projectPath, download } = await webJobDownload(c);
      requireAvailable(c, download);
      const directory = path.get().text.replace(/\/+$/, "");
      // Without an index (archives recorded before indexing) there is nothing to list, as in
      // GitLab for an archive without metadata.
      if (download.entry.kind === "unindexed" || !download.archive) throw notFound();
      const listing = await listDirectory(c.var.services.db, {
        jobId: download.job.id,
        storageKey: download.archive.key,
        directory: directory ? `${directory}/` : "",
        after: queryParam(c, "after"),
      });
      // render_404 unless @entry.exists?: a directory is there when something is beneath it.
      if (!listing.job || (directory && listing.children.length === 0 && !queryParam(c, "after"))) throw notFound();
      const page = (
        <BrowsePage
          projectPath={projectPath}
          path={directory}
          listing={{ ...listing, job: listing.job }}
          archiveSize={download.archive.size}
          after={queryParam(c, "after")}
          now={c.var.services.now()}
        />
      );
      return htmlPage(page, { shared: download.shared });
    });
  app.on(route.method, route.path, browse);
  app.on(directoryRoute.method, directoryRoute.path, browse);
}
