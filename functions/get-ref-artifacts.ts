import { authorizedDownload, refParams, serveArchive } from "../lib/downloads/request";
import { archiveResponses, defineRoute, errorResponses, ProjectPathParams, RefJobQuery } from "../lib/http/route";
import type { App } from "./app";

export const route = defineRoute({
  method: "get",
  path: "/api/v4/projects/:id/jobs/artifacts/:ref_name{.+}/download",
  operationId: "getRefArtifacts",
  summary: "Download the artifacts archive of a ref's latest successful job",
  tags: ["Job artifacts"],
  requestParams: {
    path: ProjectPathParams,
    query: RefJobQuery,
  },
  responses: { ...archiveResponses, ...errorResponses(400, 401, 403, 404) },
});

/**
 * GET /api/v4/projects/:id/jobs/artifacts/:ref_name/download?job=NAME: the archive of the
 * named job in the ref's latest successful pipeline (and its child pipelines), as a 302.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    const { ref, jobName } = refParams(c);
    const download = await authorizedDownload(c, { ref, jobName });
    return serveArchive(c, download);
  });
}
