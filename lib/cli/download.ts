import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import type { Writable } from "node:stream";
import { apiUrl, type Connection, call, projectPath, segments, send } from "./client";
import { CliError, EXIT, storageError, usageError } from "./errors";
import type { Progress } from "./progress";

/** What to fetch: by job id, or the named job of a ref's latest successful pipeline; the archive or one file. */
export interface Wanted {
  readonly project: string;
  readonly jobId?: number;
  readonly ref?: string;
  readonly job?: string;
  readonly path?: string;
}

export interface Downloaded {
  readonly output: string;
  readonly size: number;
  /** Bytes an earlier, interrupted run had fetched, which this run did not fetch again. */
  readonly resumedFrom: number;
}

/** What a partial download remembers, beside its bytes, to resume only the same file. */
interface Partial {
  readonly validator?: string;
  readonly total?: number;
}

const REDIRECTS = 5;

/** The four download routes of docs/downloads.md. */
export function downloadRoute(wanted: Wanted): string {
  const project = `/projects/${projectPath(wanted.project)}`;
  if (wanted.jobId !== undefined) {
    const archive = `${project}/jobs/${wanted.jobId}/artifacts`;
    return wanted.path ? `${archive}/${segments(wanted.path)}` : archive;
  }
  if (!wanted.ref || !wanted.job) throw usageError("say which job: --job-id, or --ref and --job");
  const ref = `${project}/jobs/artifacts/${segments(wanted.ref)}`;
  const job = `job=${encodeURIComponent(wanted.job)}`;
  return wanted.path ? `${ref}/raw/${segments(wanted.path)}?${job}` : `${ref}/download?${job}`;
}

/** Where the bytes go when --output is not given: artifacts.zip, or the file's own name. */
export const defaultOutput = (wanted: Wanted) => (wanted.path ? basename(wanted.path) : "artifacts.zip");

/**
 * GETs the route with the credential; a redirect (the archive's presigned storage URL) is
 * followed by hand, so the token never travels to storage, while the Range headers do.
 */
async function open(connection: Connection, route: string, range: Record<string, string>): Promise<Response> {
  let res = await call(connection, "GET", route, { headers: range, redirect: "manual", allow: [416] });
  let at = apiUrl(connection, route);
  for (let hop = 0; hop < REDIRECTS && res.status >= 300 && res.status < 400; hop++) {
    const location = res.headers.get("location");
    if (!location) break;
    at = new URL(location, at).toString();
    res = await send(at, { headers: range, redirect: "manual" });
  }
  if (res.status >= 300 && res.status !== 416) throw storageError(res.status, await res.text());
  return res;
}

/** Writes the answer's body to `sink`, counting it; a cut connection is exit 3, `after` saying what now. */
async function pump(res: Response, sink: Writable, progress: Progress, after = ""): Promise<number> {
  let written = 0;
  try {
    for await (const chunk of res.body ?? []) {
      written += chunk.length;
      progress.add(chunk.length);
      if (!sink.write(chunk)) await once(sink, "drain");
    }
  } catch (error) {
    throw new CliError(EXIT.failed, `download cut off: ${(error as Error).message}${after}`, { cause: error });
  }
  return written;
}

async function sizeIfExists(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function readPartial(path: string): Promise<Partial> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as Partial;
  } catch {
    return {};
  }
}

/** `bytes 100-199/1000` -> {start: 100, total: 1000}; an unsatisfied range (star, slash, size) -> {total}. */
function contentRange(header: string | null): { start?: number; total?: number } {
  const match = /^bytes (?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(header ?? "");
  if (!match) return {};
  return {
    ...(match[1] !== undefined ? { start: Number(match[1]) } : {}),
    ...(match[2] !== "*" ? { total: Number(match[2]) } : {}),
  };
}

/** Streams to stdout: nothing to resume, nothing kept. */
async function toStdout(
  connection: Connection,
  route: string,
  progress: Progress,
  stdout: Writable,
): Promise<Downloaded> {
  const res = await open(connection, route, {});
  const length = res.headers.get("content-length");
  progress.start(length === null ? undefined : Number(length));
  try {
    return { output: "-", size: await pump(res, stdout, progress), resumedFrom: 0 };
  } finally {
    progress.stop();
  }
}

/**
 * Downloads into `<output>.part`, renamed to `output` once whole. A `.part` left by a cut is
 * resumed with `Range: bytes=<its size>-` and `If-Range` (the ETag it was started with): a 206
 * from that offset is appended; a 200 (a changed file, or a server ignoring the range) starts
 * over; a 416 for a `.part` already whole just finishes.
 */
async function toFile(
  connection: Connection,
  route: string,
  output: string,
  progress: Progress,
  attempt = 0,
): Promise<Downloaded> {
  const part = `${output}.part`;
  const memo = `${output}.part.json`;
  const have = await sizeIfExists(part);
  const before = have > 0 ? await readPartial(memo) : {};
  const range: Record<string, string> = have > 0 ? { Range: `bytes=${have}-` } : {};
  if (have > 0 && before.validator) range["If-Range"] = before.validator;
  const res = await open(connection, route, range);
  const told = contentRange(res.headers.get("content-range"));

  const restart = async () => {
    await rm(part, { force: true });
    if (attempt > 0) throw new CliError(EXIT.failed, "the server cannot resume this download");
    return toFile(connection, route, output, progress, attempt + 1);
  };
  if (res.status === 416) {
    await res.body?.cancel();
    if (told.total !== have) return restart();
    await finish(part, memo, output);
    return { output, size: have, resumedFrom: have };
  }
  const resumed = res.status === 206;
  if (resumed && told.start !== have) {
    await res.body?.cancel();
    return restart();
  }
  const from = resumed ? have : 0;
  const length = res.headers.get("content-length");
  const total = told.total ?? (length === null ? undefined : from + Number(length));
  const validator = res.headers.get("etag") ?? res.headers.get("last-modified") ?? undefined;
  await writeFile(memo, JSON.stringify({ validator, total } satisfies Partial));

  const sink = createWriteStream(part, { flags: resumed ? "a" : "w" });
  const closed = once(sink, "close");
  progress.start(total, from);
  const again = `; ${part} keeps what arrived: run the same command again to resume`;
  let size: number;
  try {
    size = from + (await pump(res, sink, progress, again));
  } finally {
    progress.stop();
    sink.end();
    await closed;
  }
  if (total !== undefined && size !== total) {
    throw new CliError(EXIT.failed, `download cut off at ${size} of ${total} bytes${again}`);
  }
  await finish(part, memo, output);
  return { output, size, resumedFrom: from };
}

async function finish(part: string, memo: string, output: string) {
  await rename(part, output);
  await rm(memo, { force: true });
}

export async function download(
  connection: Connection,
  wanted: Wanted,
  output: string,
  progress: Progress,
  stdout: Writable,
): Promise<Downloaded> {
  const route = downloadRoute(wanted);
  return output === "-" ? toStdout(connection, route, progress, stdout) : toFile(connection, route, output, progress);
}
