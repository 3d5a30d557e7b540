import { credentialsOf } from "../auth/credentials";
import { paramMissing } from "../errors";
import type { AppContext } from "../http/app-env";
import { integerParam } from "../http/params";
import { credentialSource } from "../http/request";
import { indexed, serveEntry, type TypeRule } from "./entry";
import {
  archiveOf,
  authorizeDownload,
  type DownloadRow,
  type DownloadTarget,
  indexedEntry,
  lookupDownload,
  resolveViewer,
} from "./lookup";

/** The parts of a download URL, taken from the raw path as Grape's routes split it. */
const JOB_FILE = /^\/api\/v4\/projects\/[^/]+\/jobs\/[^/]+\/artifacts\/(.+)$/;
const REF_ROUTE = /^\/api\/v4\/projects\/[^/]+\/jobs\/artifacts\/(.+)\/(download|raw\/(.+))$/;

export function jobIdParam(c: AppContext): number {
  return integerParam(c.req.param("job_id"), "job_id");
}

/** `:ref_name` may hold slashes, encoded or not; the split is at the last /raw/ or /download. */
export function refParams(c: AppContext): { ref: string; jobName: string; rawPath?: string } {
  const match = REF_ROUTE.exec(new URL(c.req.url).pathname);
  const jobName = c.req.query("job");
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
 * Authenticate, find the project, job and archive in one statement, and authorize, in the
 * order of GitLab's job_artifacts.rb. Returns the row to answer from, and whether the answer
 * is public enough for shared caches.
 */
export async function authorizedDownload(
  c: AppContext,
  target: DownloadTarget,
  entryPath?: string,
): Promise<{ row: DownloadRow; shared: boolean }> {
  const { db, config } = c.var.services;
  const presented = credentialsOf(credentialSource(c));
  const row = await lookupDownload(db, {
    credentials: presented,
    adminToken: config.ADMIN_TOKEN,
    projectId: c.req.param("id") ?? "",
    target,
    entryPath,
  });
  const viewer = resolveViewer(row, presented, c.req.method, config.ADMIN_TOKEN);
  authorizeDownload(row, viewer);
  // What an anonymous caller may read, anyone may: shared caches (a CDN) may keep it a while.
  return { row, shared: viewer.kind === "anonymous" };
}

/** One file of the row's archive, typed by `rule`, found through the archive's index if it has one. */
export function serveFile(
  c: AppContext,
  row: DownloadRow,
  path: { text: string; bytes: Uint8Array },
  rule: TypeRule,
  sharedFor: number | undefined,
): Promise<Response> {
  const index = indexed(indexedEntry(row, path.bytes));
  return serveEntry(c.var.services, c.req.raw, { archive: archiveOf(row), path, type: rule, index, sharedFor });
}
