import { type Connection, type Credential, DEFAULT_URL } from "./client";
import { readSaved } from "./config";
import { usageError } from "./errors";
import { progressBar } from "./progress";

/** The process's streams and environment, handed in so a test could run the program in-process. */
export interface Io {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
}

/** The options every command takes. */
export interface Globals {
  readonly url?: string;
  readonly token?: string;
  readonly json?: boolean;
  /** true: always; false: never; undefined: when stderr is a terminal. */
  readonly progress?: boolean;
}

/** `http://host:8787/` -> `http://host:8787`; anything but an http(s) URL is a usage error. */
export function normalizeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`--url must be an http:// or https:// URL, not ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw usageError(`--url must be an http:// or https:// URL, not ${JSON.stringify(raw)}`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

/**
 * The service and the token, as glab and python-gitlab find them: the flag, then the
 * environment (ARTIFACT_EDGE_URL, ARTIFACT_EDGE_TOKEN), then what `login` saved. A saved token
 * is only sent to the URL it was saved for.
 */
export async function resolve(io: Io, globals: Globals): Promise<{ url: string; token?: string }> {
  const saved = await readSaved(io.env);
  const url = normalizeUrl(globals.url ?? (io.env.ARTIFACT_EDGE_URL || saved.url || DEFAULT_URL));
  const token =
    globals.token ?? (io.env.ARTIFACT_EDGE_TOKEN || (saved.url === url && saved.token ? saved.token : undefined));
  return token ? { url, token } : { url };
}

/** A connection with a personal access token (or the admin token), which the command needs. */
export async function withToken(io: Io, globals: Globals): Promise<Connection> {
  const { url, token } = await resolve(io, globals);
  if (!token) throw usageError("no token: run `artifact-edge login`, or pass --token or ARTIFACT_EDGE_TOKEN");
  return { base: url, credential: { kind: "token", token } };
}

/** A connection with the job's token: --job-token, else CI_JOB_TOKEN, as the runner has it. */
export async function withJobToken(io: Io, globals: Globals, jobToken: string | undefined): Promise<Connection> {
  const { url } = await resolve(io, globals);
  const token = jobToken ?? io.env.CI_JOB_TOKEN;
  if (!token) throw usageError("no job token: pass --job-token or set CI_JOB_TOKEN");
  return { base: url, credential: { kind: "job", token } };
}

/**
 * For downloads: --job-token if given, else a token if there is one, else CI_JOB_TOKEN, else
 * anonymous (public projects).
 */
export async function withAnyToken(io: Io, globals: Globals, jobToken: string | undefined): Promise<Connection> {
  const { url, token } = await resolve(io, globals);
  const job = jobToken || (token ? undefined : io.env.CI_JOB_TOKEN);
  const credential: Credential = job
    ? { kind: "job", token: job }
    : token
      ? { kind: "token", token }
      : { kind: "none" };
  return { base: url, credential };
}

/** `--json`: the API's JSON on stdout; otherwise a line for people. */
export function print(io: Io, globals: Globals, value: unknown, human: string) {
  io.stdout.write(globals.json ? `${JSON.stringify(value)}\n` : `${human}\n`);
}

/** A progress bar on stderr, as --progress / --no-progress / the terminal say. */
export const progressFor = (io: Io, globals: Globals, label: string) =>
  progressBar(label, io.stderr, globals.progress ?? io.stderr.isTTY === true);
