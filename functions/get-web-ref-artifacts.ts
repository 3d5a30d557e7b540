import { z } from "zod";
import { cacheControl, SHARED_MAX_AGE } from "../lib/downloads/cache";
import { authorizedDownload, type ReadableDownload } from "../lib/downloads/request";
import { notFound } from "../lib/errors";
import { queryParam } from "../lib/http/request";
import { defineRoute, redirectResponse, webErrorResponses } from "../lib/http/route";
import { jobArtifactsPath, type RefCandidate, refCandidates } from "../lib/web/paths";
import { projectPathParam } from "../lib/web/request";
import { isJobNotFound, webErrors } from "../lib/web/respond";
import type { App } from "./app";

const REF_AND_PATH = /\/-\/jobs\/artifacts\/(.+)$/;

export const route = defineRoute({
  method: "get",
  path: "/:id{.+?}/-/jobs/artifacts/:ref_name_and_path{.+}",
  operationId: "getWebRefArtifacts",
  summary: "The artifacts of a ref's latest successful job (web URL)",
  tags: ["Web"],
  requestParams: {
    path: z.object({
      id: z.string().meta({ description: "The project's full path (`group/sub/project`)" }),
      ref_name_and_path: z
        .string()
        .meta({ description: "`<ref>/download`, `<ref>/browse[/path]`, `<ref>/file/<path>` or `<ref>/raw/<path>`" }),
    }),
    query: z.object({ job: z.string().meta({ description: "The job's name" }) }),
  },
  responses: {
    302: redirectResponse("To the same action (download, browse, file or raw) of the job"),
    ...webErrorResponses(),
  },
});

/**
 * GET /:namespace/:project/-/jobs/artifacts/*ref_name_and_path?job=NAME, where the path is
 * download, browse(/path), file/path or raw/path: Projects::ArtifactsController#latest_succeeded,
 * a 302 to the same action of the ref's latest successful job of that name (the API's walk).
 */
export function register(app: App) {
  app.on(route.method, route.path, (c) =>
    webErrors(async () => {
      const jobName = queryParam(c, "job");
      const candidates = refCandidates(REF_AND_PATH.exec(new URL(c.req.url).pathname)?.[1] ?? "");
      if (!jobName || candidates.length === 0) throw notFound();
      let found: { candidate: RefCandidate; download: ReadableDownload } | undefined;
      for (const candidate of candidates) {
        try {
          found = { candidate, download: await authorizedDownload(c, { ref: candidate.ref, jobName }) };
          break;
        } catch (error) {
          if (!isJobNotFound(error)) throw error;
        }
      }
      // validate_artifacts!: a job whose artifacts expired is a 404 here too.
      if (!found?.download.archive || !found.download.job.availableArtifacts(c.var.services.now())) throw notFound();
      const { candidate, download } = found;
      const target = jobArtifactsPath(projectPathParam(c), download.job.id, candidate.action);
      const location = candidate.path ? `${target}/${candidate.path}` : target;
      return new Response(null, {
        status: 302,
        headers: {
          Location: location,
          "Cache-Control": cacheControl(download.shared ? SHARED_MAX_AGE.latest : undefined),
        },
      });
    }),
  );
}
