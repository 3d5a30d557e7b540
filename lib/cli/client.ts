import { CliError, EXIT, httpError } from "./errors";

/** What `--url` defaults to: `npm start`'s Worker. */
export const DEFAULT_URL = "http://localhost:8787";

/** Who a request is sent as: a personal access token (or the admin token), a job's token, or nobody. */
export type Credential = { kind: "token"; token: string } | { kind: "job"; token: string } | { kind: "none" };

/** The service a command talks to and who it talks as. */
export interface Connection {
  /** The service's origin and base path, without a trailing slash. */
  readonly base: string;
  readonly credential: Credential;
}

export interface CallOptions {
  readonly json?: unknown;
  readonly headers?: Record<string, string>;
  readonly body?: ReadableStream<Uint8Array>;
  readonly redirect?: "follow" | "manual";
  /** Statuses of 400 and above that the caller handles itself (a 416 to a resumed download). */
  readonly allow?: readonly number[];
}

const USER_AGENT = "artifact-edge-cli";

/** The headers GitLab reads a credential from (lib/api/helpers.rb: PRIVATE-TOKEN, JOB-TOKEN). */
export function credentialHeaders(credential: Credential): Record<string, string> {
  if (credential.kind === "token") return { "PRIVATE-TOKEN": credential.token };
  if (credential.kind === "job") return { "JOB-TOKEN": credential.token };
  return {};
}

/** A URL under /api/v4. */
export const apiUrl = (connection: Connection, path: string) => `${connection.base}/api/v4${path}`;

/** `demo/app` or `42` as a URL's `:id`. */
export const projectPath = (project: string) => encodeURIComponent(project);

/** A path kept as path segments, each one encoded: `dist/a b.txt` -> `dist/a%20b.txt`. */
export const segments = (path: string) => path.split("/").map(encodeURIComponent).join("/");

/** fetch, with a refused, reset or unknown host reported as exit 3 and never as a stack trace. */
export async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, headers: { "User-Agent": USER_AGENT, ...(init.headers ?? {}) } });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    const where = new URL(url).origin;
    // Refused or unknown: never reached. Anything else (a reset, a timeout) broke on the way.
    const unreached = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/.test(reason);
    const said = unreached ? `cannot reach ${where}: ${reason}` : `connection to ${where} failed: ${reason}`;
    throw new CliError(EXIT.failed, said, { cause: error });
  }
}

/** One API request; a 4xx or 5xx becomes the CliError with GitLab's message. */
export async function call(
  connection: Connection,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...credentialHeaders(connection.credential), ...options.headers };
  let body: BodyInit | undefined = options.body;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  const res = await send(apiUrl(connection, path), {
    method,
    headers,
    body,
    redirect: options.redirect ?? "follow",
    ...(options.body ? { duplex: "half" } : {}),
  });
  if (res.status >= 400 && !options.allow?.includes(res.status)) throw httpError(res.status, await res.text());
  return res;
}

/** One API request whose answer is JSON (or nothing, for a 204). */
export async function callJson<T = unknown>(
  connection: Connection,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<T | null> {
  const res = await call(connection, method, path, options);
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T | null;
}
