import { z } from "zod";
import { serveFile } from "../lib/downloads/request";
import { notFound } from "../lib/errors";
import { conditionalResponses, defineRoute, fileResponse, webErrorResponses } from "../lib/http/route";
import { WEB_JOB_ARTIFACTS, WebJobPathParams, webArtifactPath, webJobDownload } from "../lib/web/request";
import { webErrors } from "../lib/web/respond";
import type { App } from "./app";

export const route = defineRoute({
  method: "get",
  path: `${WEB_JOB_ARTIFACTS}/raw/:path{.+}`,
  operationId: "getWebJobArtifactRaw",
  summary: "One file of a job's artifacts (web URL)",
  tags: ["Web"],
  requestParams: { path: WebJobPathParams },
  responses: {
    200: fileResponse("The file, typed by its bytes (nothing renders as HTML)"),
    ...conditionalResponses,
    ...webErrorResponses(),
    404: {
      description: "Rails' 404 page, or Workhorse's text when the entry is not in the archive",
      content: { "text/html": { schema: z.string() }, "text/plain": { schema: z.string() } },
    },
  },
});

/**
 * GET /:namespace/:project/-/jobs/:job_id/artifacts/raw/*path: one file, as Workhorse sends it
 * for Projects::ArtifactsController#raw (send_artifacts_entry with detect_content_type: sniffed,
 * nothing textual renders as HTML). Like GitLab's raw, it checks no expiry. The link READMEs and
 * badges use, through the ref route's redirect.
 */
export function register(app: App) {
  app.on(route.method, route.path, (c) =>
    webErrors(async () => {
      const path = webArtifactPath(c);
      const { download } = await webJobDownload(c, path.text);
      if (!download.archive) throw notFound();
      return serveFile(c, download, path.get(), { type: "sniff", cache: "file" });
    }),
  );
}
