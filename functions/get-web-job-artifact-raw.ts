import { serveFile } from "../lib/downloads/request";
import { notFound } from "../lib/errors";
import { WEB_JOB_ARTIFACTS, webArtifactPath, webJobDownload } from "../lib/web/request";
import { webErrors } from "../lib/web/respond";
import type { App } from "./app";

/**
 * GET /:namespace/:project/-/jobs/:job_id/artifacts/raw/*path: one file, as Workhorse sends it
 * for Projects::ArtifactsController#raw (send_artifacts_entry with detect_content_type: sniffed,
 * nothing textual renders as HTML). Like GitLab's raw, it checks no expiry. The link READMEs and
 * badges use, through the ref route's redirect.
 */
export function register(app: App) {
  app.get(`${WEB_JOB_ARTIFACTS}/raw/:path{.+}`, (c) =>
    webErrors(async () => {
      const path = webArtifactPath(c);
      const { download } = await webJobDownload(c, path.text);
      if (!download.archive) throw notFound();
      return serveFile(c, download, path.get(), { type: "sniff", cache: "file" });
    }),
  );
}
