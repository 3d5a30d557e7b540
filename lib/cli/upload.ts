import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { type Connection, call, send } from "./client";
import { CliError, storageError, usageError } from "./errors";
import type { Progress } from "./progress";

/**
 * Archives above this go straight to storage (authorize, PUT to a presigned URL, finalize)
 * instead of through the service: well under 100 MB, the smallest request body Cloudflare lets a
 * Worker receive, and past which a multipart upload would be refused before it reached us.
 */
export const DIRECT_UPLOAD_ABOVE = 50 * 1024 * 1024;

export interface UploadOptions {
  readonly file: string;
  readonly jobId: number;
  readonly expireIn?: string;
  readonly access?: string;
  /** true or false forces a path; undefined chooses by size. */
  readonly direct?: boolean;
}

export interface Uploaded {
  readonly job: unknown;
  readonly size: number;
  readonly direct: boolean;
}

/** The file's bytes as a stream, between optional head and tail, each chunk counted by `progress`. */
function fileStream(path: string, progress: Progress, head = "", tail = ""): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        if (head) controller.enqueue(encoder.encode(head));
        for await (const chunk of createReadStream(path)) {
          controller.enqueue(chunk as Buffer);
          progress.add((chunk as Buffer).length);
        }
        if (tail) controller.enqueue(encoder.encode(tail));
        controller.close();
      } catch (error) {
        controller.error(error);
      }
    },
  });
}

async function sizeOf(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw usageError(`${path} is not a file`);
    return info.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw usageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** GitLab Runner's upload: multipart `file`, the settings in the query string, a Content-Length. */
async function multipart(connection: Connection, options: UploadOptions, size: number, progress: Progress) {
  const boundary = `artifact-edge-${crypto.randomUUID()}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="artifacts.zip"\r\nContent-Type: application/zip\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const query = new URLSearchParams({ artifact_type: "archive", artifact_format: "zip" });
  if (options.expireIn) query.set("expire_in", options.expireIn);
  if (options.access) query.set("access", options.access);
  const res = await call(connection, "POST", `/jobs/${options.jobId}/artifacts?${query}`, {
    headers: {
      "Content-Type": `multipart/form-data; boundary=${boundary}`,
      "Content-Length": String(Buffer.byteLength(head) + size + Buffer.byteLength(tail)),
    },
    body: fileStream(options.file, progress, head, tail),
  });
  return res.json();
}

/** docs/api.md "Direct upload": authorize for the size, PUT exactly that many bytes, then finalize. */
async function direct(connection: Connection, options: UploadOptions, size: number, progress: Progress) {
  const authorized = await call(connection, "POST", `/jobs/${options.jobId}/artifacts/authorize`, {
    json: { filesize: size },
  });
  const grant = (await authorized.json()) as { upload_url: string; upload_key: string };
  // The presigned URL signs Content-Length and Content-Type: storage takes nothing else.
  const put = await send(grant.upload_url, {
    method: "PUT",
    headers: { "Content-Type": "application/zip", "Content-Length": String(size) },
    body: fileStream(options.file, progress),
    duplex: "half",
  } as RequestInit);
  if (!put.ok) throw storageError(put.status, await put.text());
  const finalized = await call(connection, "POST", `/jobs/${options.jobId}/artifacts`, {
    json: {
      upload_key: grant.upload_key,
      ...(options.expireIn ? { expire_in: options.expireIn } : {}),
      ...(options.access ? { access: options.access } : {}),
    },
  });
  return finalized.json();
}

/** Uploads the job's archive with its CI_JOB_TOKEN; large archives go straight to storage. */
export async function upload(connection: Connection, options: UploadOptions, progress: Progress): Promise<Uploaded> {
  if (connection.credential.kind !== "job")
    throw usageError("upload needs the job's token: --job-token or CI_JOB_TOKEN");
  const size = await sizeOf(options.file);
  const useDirect = options.direct ?? size > DIRECT_UPLOAD_ABOVE;
  progress.start(size);
  try {
    const job = useDirect
      ? await direct(connection, options, size, progress)
      : await multipart(connection, options, size, progress);
    return { job, size, direct: useDirect };
  } finally {
    progress.stop();
  }
}
