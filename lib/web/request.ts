import { z } from "zod";
import { deferredArtifactPath } from "../downloads/artifact-path";
import { authorizedDownload, jobIdParam, type ReadableDownload } from "../downloads/request";
import { notFound } from "../errors";
import type { AppContext } from "../http/app-env";

/**
 * Every web artifact route: `/<namespace...>/<project>/-/jobs/<id>/artifacts/`, namespaces nested
 * or not. The project path is the shortest that fits (no GitLab path has a `-` segment), so an
 * archive path holding `/-/jobs/1/artifacts/` stays the archive's.
 */
export const WEB_JOB_ARTIFACTS = "/:id{.+?}/-/jobs/:job_id{[0-9]+}/artifacts";

/** The parameters of WEB_JOB_ARTIFACTS as the OpenAPI document shows them; `path` is the routes' `*path`. */
export const WebJobPathParams = z.object({
  id: z.string().meta({ description: "The project's full path (`group/sub/project`), slashes unencoded" }),
  job_id: z.string().regex(/^[0-9]+$/),
  path: z.string().meta({ description: "A path inside the archive; may contain slashes" }),
});

const WEB_PATH = /\/-\/jobs\/[0-9]+\/artifacts\/(?:raw|file|browse)\/(.+)$/;

/** The project's full path as the URL gives it (found case-insensitively, as GitLab's routes do). */
export const projectPathParam = (c: AppContext): string => c.req.param("id") ?? "";

/** `*path` of raw, file and browse, percent-decoded from the raw URL as the API's file routes take it. */
export const webArtifactPath = (c: AppContext) =>
  deferredArtifactPath(WEB_PATH.exec(new URL(c.req.url).pathname)?.[1] ?? "");

/**
 * The job of a web route, authorized as the API authorizes it (lib/downloads/request.ts: the
 * same one statement, credentials and rules), with `entryPath` looked up in the archive's index.
 */
export async function webJobDownload(
  c: AppContext,
  entryPath?: string,
): Promise<{ projectPath: string; download: ReadableDownload }> {
  const jobId = jobIdParam(c);
  const download = await authorizedDownload(c, { jobId }, entryPath);
  return { projectPath: projectPathParam(c), download };
}

/** validate_artifacts!: browse and file need artifacts that have not expired (or are kept by a lock). */
export function requireAvailable(c: AppContext, download: ReadableDownload): void {
  if (!download.archive || !download.job.availableArtifacts(c.var.services.now())) throw notFound();
}
