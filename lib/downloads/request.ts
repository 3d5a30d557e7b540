import { presentedCredentials } from "../auth/credentials";
import { notFound, paramMissing } from "../errors";
import type { AppContext } from "../http/app-env";
import { integerParam } from "../http/params";
import { queryParam } from "../http/request";
import { redirectToArchive } from "./archive";
import { type AuthorizedDownload, authorizeDownload } from "./authorize";
import { SHARED_MAX_AGE } from "./cache";
import { serveEntry, type TypeRule } from "./entry";
import { type DownloadTarget, lookupDownload } from "./lookup";
import { resolvePrincipal } from "./principal";

/** The parts of a download URL, taken from the raw path as Grape's routes split it. */
const JOB_FILE = /^\/api\/v4\/projects\/[^/]+\/jobs\/[^/]+\/artifacts\/(.+)$/;
const REF_ROUTE = /^\/api\/v4\/projects\/[^/]+\/jobs\/artifacts\/(.+)\/(download|raw\/(.+))$/;

export function jobIdParam(c: AppContext): number {
  return integerParam(c.req.param("job_id"), "job_id");
}

/** `:ref_name` may hold slashes, encoded or not; the split is at the last /raw/ or /download. */
export function refParams(c: AppContext): { ref: string; jobName: string; rawPath?: string } {
  const match = REF_ROUTE.exec(new URL(c.req.url).pathname);
  const jobName = queryParam(c, "job");
  if (jobName === undefined) throw paramMissing("job");
  let ref = match?.[1] ?? "";
  try {
    ref = decodeURIComponent(ref);
  } catch {
    // Not valid percent-encoding: no pipeline has such a ref, so it finds nothing.
  }
  return { ref, jobName, rawPath: match?.[3] };
}

export function jobFileRawPath(c: AppContext): string {
  return JOB_FILE.exec(new URL(c.req.url).pathname)?.[1] ?? "";
}

/**
 * A download its caller may read; `shared`: what an anonymous caller may read, anyone may;
 * `edgeCached`: shared, and asked for with no credential at all (the edge cache's rule).
 */
export type ReadableDownload = AuthorizedDownload & { readonly shared: boolean; readonly edgeCached: boolean };

/**
 * Authenticate, find the project, job and archive in one statement, and authorize, in the
 * order of GitLab's job_artifacts.rb.
 */
export async function authorizedDownload(
  c: AppContext,
  target: DownloadTarget,
  entryPath?: string,
): Promise<ReadableDownload> {
  const { db, config } = c.var.services;
  const credentials = presentedCredentials(c);
  const download = await lookupDownload(db, {
    credentials,
    adminToken: config.ADMIN_TOKEN,
    projectId: c.req.param("id") ?? "",
    target,
    entryPath,
  });
  const principal = resolvePrincipal(download, credentials, c.req.method, config.ADMIN_TOKEN);
  authorizeDownload(download, principal);
  const shared = principal.kind === "anonymous";
  const presented = Boolean(
    credentials.bearer || credentials.access || credentials.job || c.req.header("authorization"),
  );
  return { ...download, shared, edgeCached: shared && !presented };
}

/** The job's archive as a 302 (present_artifacts_file!), or GitLab's 404 when it has none. */
export function serveArchive(c: AppContext, download: ReadableDownload): Promise<Response> {
  if (!download.archive) throw notFound();
  return redirectToArchive(c.var.services, c.req.raw, download.archive, download.shared);
}

/**
 * One file of the download's archive, typed by `type`, found through the archive's index if it
 * has one. Shared caches may keep a public file for `cache`'s time: a file by job id changes
 * less often than the ref's latest one.
 */
export function serveFile(
  c: AppContext,
  download: ReadableDownload,
  path: { text: string; bytes: Uint8Array },
  options: { type: TypeRule; cache: keyof typeof SHARED_MAX_AGE },
): Promise<Response> {
  if (!download.archive) throw notFound();
  const sharedFor = download.shared ? SHARED_MAX_AGE[options.cache] : undefined;
  return serveEntry(c.var.services, c.req.raw, {
    archive: download.archive,
    path,
    type: options.type,
    index: download.entry,
    sharedFor,
    edgeCached: download.edgeCached,
  });
}
