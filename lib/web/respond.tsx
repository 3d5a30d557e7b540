import type { JSX } from "hono/jsx/jsx-runtime";
import { cacheControl, SHARED_MAX_AGE } from "../downloads/cache";
import { typeByExtension } from "../downloads/content-type";
import type { ReadableDownload } from "../downloads/request";
import { ApiError } from "../errors";
import type { AppContext } from "../http/app-env";
import type { ZipEntry } from "../zip/central-directory";
import { openEntry } from "../zip/reader";
import type { FileView } from "./file-page";
import { NotFoundPage } from "./layout";

/**
 * Largest file a file page shows as text (GitLab's blob viewer collapses text past 1 MB too);
 * past it the page links to the download.
 */
export const MAX_INLINE_TEXT_BYTES = 1024 * 1024;

/** An HTML page; anyone may cache it for a while when anyone may read it (as the API's files). */
export async function htmlPage(
  page: JSX.Element,
  options: { status?: number; shared?: boolean; headers?: Record<string, string> } = {},
): Promise<Response> {
  const sharedFor = options.shared ? SHARED_MAX_AGE.file : undefined;
  return new Response(`<!DOCTYPE html>${await page.toString()}`, {
    status: options.status ?? 200,
    headers: {
      ...options.headers,
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": cacheControl(sharedFor),
      // The pages run no script and load nothing from elsewhere; images come from this origin.
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
    },
  });
}

const PAGES: Record<number, { title: string; message: string }> = {
  400: { title: "Bad request", message: "The request could not be understood." },
  401: { title: "Unauthorized", message: "The token given is not valid (unknown, expired or revoked)." },
  404: {
    title: "Page not found",
    message: "The page could not be found or you don't have permission to view it.",
  },
};

/**
 * The web routes answer Rails' HTML pages, not the API's JSON: a 403 is a 404 as GitLab's
 * access_denied! renders it (errors/not_found: nothing tells "not yours" from "not there"). 5xx
 * and Workhorse's plain-text answers (the raw route's) are left to the app's one renderer.
 */
export async function webErrors(run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status >= 500 || typeof error.body === "string") throw error;
    const status = error.status === 403 ? 404 : error.status;
    const page = PAGES[status] ?? PAGES[404];
    if (!page) throw error;
    const headers = status === 401 ? error.headers : {};
    return htmlPage(<NotFoundPage status={status} {...page} />, { status, headers });
  }
}

/** Is this the API's `404 Not found` for a job that is not there (authorizeDownload's last check)? */
export function isJobNotFound(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    error.status === 404 &&
    typeof error.body === "object" &&
    error.body.message === "404 Not found"
  );
}

/** Reads a whole (bounded) entry into memory. */
async function readAll(stream: ReadableStream<Uint8Array>, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let at = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    out.set(chunk.subarray(0, size - at), at);
    at += chunk.length;
  }
  return out.subarray(0, Math.min(at, size));
}

/**
 * What the file page shows of `entry`: images by their extension (the page loads them from the
 * raw route), text when the file is small and UTF-8 without NUL, else only links.
 */
export async function fileView(c: AppContext, download: ReadableDownload, entry: ZipEntry): Promise<FileView> {
  const path = new TextDecoder().decode(entry.name);
  if (typeByExtension(path).startsWith("image/")) return { kind: "image" };
  if (entry.uncompressedSize > MAX_INLINE_TEXT_BYTES) return { kind: "too-large" };
  if (!download.archive) return { kind: "binary" };
  const bytes = await readAll(await openEntry(c.var.services.storage, download.archive, entry), entry.uncompressedSize);
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    return text.includes("\0") ? { kind: "binary" } : { kind: "text", text };
  } catch {
    return { kind: "binary" };
  }
}
