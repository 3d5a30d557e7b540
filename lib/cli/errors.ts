/**
 * Exit codes a script can rely on (docs/cli.md): 0 done, 1 usage (bad flags, a missing file,
 * nothing to log in with), 2 the API refused (a 4xx, GitLab's message on stderr), 3 the service
 * or the network failed (a 5xx, a refused or cut connection).
 */
export const EXIT = { ok: 0, usage: 1, refused: 2, failed: 3 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the command line reports as one line on stderr, with its exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "CliError";
  }
}

export const usageError = (message: string) => new CliError(EXIT.usage, message);

/**
 * GitLab's message out of an error body: `{"message": "404 Project Not Found"}`, Grape's
 * `{"error": "job is missing"}`, a validation's `{"message": {"path": ["..."]}}`, or Workhorse's
 * plain text.
 */
export function messageOf(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: unknown; error_description?: unknown };
    const said = parsed.error_description ?? parsed.message ?? parsed.error;
    if (typeof said === "string") return said;
    // A validation's errors by attribute: `path has already been taken; email is invalid`.
    if (said && typeof said === "object") {
      return Object.entries(said)
        .map(([field, problems]) => `${field} ${[problems].flat().join(", ")}`)
        .join("; ");
    }
  } catch {
    // Not JSON: Workhorse's plain text, or a proxy's page.
  }
  return body.trim().split("\n")[0] || `HTTP ${status}`;
}

/** The error for an answer that is not a success: 2 for a 4xx, 3 for anything else. */
export function httpError(status: number, body: string): CliError {
  return new CliError(status >= 400 && status < 500 ? EXIT.refused : EXIT.failed, messageOf(status, body));
}

/** An S3 error answer (a presigned URL's): its `<Code>`, else the text's first line. */
export function storageError(status: number, body: string): CliError {
  const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
  const error = httpError(status, body);
  return code ? new CliError(error.exitCode, `storage: ${code}`) : error;
}
