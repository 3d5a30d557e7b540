import { deferredArtifactPath } from "../lib/downloads/artifact-path";
import { authorizedDownload, refParams, serveFile } from "../lib/downloads/request";
import { internalError } from "../lib/errors";
import { defineRoute, entryResponses, ProjectPathParams, RefJobQuery } from "../lib/http/route";
import type { App } from "./app";

export const route = defineRoute({
  method: "get",
  path: "/api/v4/projects/:id/jobs/artifacts/:ref_name{[\\s\\S]+}/raw/:artifact_path{[\\s\\S]+}",
  operationId: "getRefArtifactFile",
  summary: "Download one file of the artifacts of a ref's latest successful job",
  tags: ["Job artifacts"],
  requestParams: {
    path: ProjectPathParams,
    query: RefJobQuery,
  },
  responses: entryResponses,
});

/**
 * GET /api/v4/projects/:id/jobs/artifacts/:ref_name/raw/*artifact_path?job=NAME: one file from
 * the ref's latest successful job of that name, its type sniffed so that nothing textual can
 * render as HTML (text/plain), as Workhorse does on this route.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    const { ref, jobName, rawPath } = refParams(c);
    const path = deferredArtifactPath(rawPath ?? "");
    const download = await authorizedDownload(c, { ref, jobName }, path.text);
    const valid = path.get();
    // A job found through report artifacts alone has no archive: GitLab fails with 500 here.
    if (!download.archive) throw internalError();
    return serveFile(c, download, valid, { type: "sniff", cache: "latest" });
  });
}
