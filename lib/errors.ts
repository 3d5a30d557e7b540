import type { LogFields } from "./platform/log";
import { zipFailure } from "./zip/errors";

/** What a 5xx tells the log beyond its status: the error behind it and fields such as a failure label. */
export interface ErrorContext {
  readonly cause?: unknown;
  readonly fields?: LogFields;
}

/**
 * The one error type for HTTP answers. Constructors are named after GitLab's helpers in
 * lib/api/helpers.rb; the bodies are GitLab's byte for byte (reference section 0.5). Nothing
 * outside this file builds one (`npm run check:errors`); docs/adr/0005 says who throws which.
 */
export class ApiError extends Error {
  readonly logFields: LogFields;

  constructor(
    readonly status: number,
    readonly body: Record<string, unknown> | string,
    readonly headers: Record<string, string> = {},
    context: ErrorContext = {},
  ) {
    super(typeof body === "string" ? body : JSON.stringify(body), { cause: context.cause });
    this.name = "ApiError";
    this.logFields = context.fields ?? {};
  }
}

/** `not_found!(resource)`: 404 Project Not Found, or 404 Not Found without a resource. */
export const notFound = (resource?: string) =>
  new ApiError(404, { message: resource ? `404 ${resource} Not Found` : "404 Not Found" });

/** ActiveRecord::RecordNotFound rescued by the API: note the lower-case "found". */
export const recordNotFound = () => new ApiError(404, { message: "404 Not found" });

/** The API's catch-all route for paths nothing matched. */
export const routeNotFound = () => new ApiError(404, { error: "404 Not Found" });

export const unauthorized = () => new ApiError(401, { message: "401 Unauthorized" });

export const forbidden = (reason?: string) =>
  new ApiError(403, { message: reason ? `403 Forbidden - ${reason}` : "403 Forbidden" });

export const badRequest = (reason?: string) =>
  new ApiError(400, { message: reason ? `400 Bad request - ${reason}` : "400 Bad request" });

/** `bad_request!` given a model's error text: the text alone, with no "400 Bad request" before it. */
export const badRequestMessage = (text: string) => new ApiError(400, { message: text });

/** Rails' `render_validation_error!`: the model's errors by attribute, `{"message":{"path":[…]}}`. */
export const validationError = (field: string, messages: readonly string[]) =>
  new ApiError(400, { message: { [field]: [...messages] } });

/** Grape parameter validation: `{"error":"job is missing, ref is invalid"}`, failures joined with ", ". */
export const paramErrors = (messages: readonly string[]) => new ApiError(400, { error: messages.join(", ") });
export const paramMissing = (name: string) => paramErrors([`${name} is missing`]);
export const paramInvalid = (name: string) => paramErrors([`${name} is invalid`]);

export const conflict = (message: string) => new ApiError(409, { message });

export const internalError = (context?: ErrorContext) =>
  new ApiError(500, { message: "500 Internal Server Error" }, {}, context);

/** rack-oauth2's answer for an expired or revoked access token. */
export const invalidToken = (description: string) =>
  new ApiError(
    401,
    { error: "invalid_token", error_description: description },
    {
      "WWW-Authenticate": `Bearer realm="The API", error="invalid_token", error_description="${description}"`,
    },
  );

export const tokenExpired = () =>
  invalidToken("Token is expired. You can either do re-authorization or token refresh.");
export const tokenRevoked = () => invalidToken("Token was revoked. You have to re-authorize from the user.");

export const insufficientScope = (scopes: readonly string[]) =>
  new ApiError(403, {
    error: "insufficient_scope",
    error_description: "The request requires higher privileges than provided by the access token.",
    scope: scopes.join(" "),
  });

/**
 * Workhorse's plain-text 404 for an archive entry (Go's http.NotFound). Under content sniffing
 * (the ref raw route) Workhorse's contentprocessor marks every answer inline, this one too.
 */
export const workhorseNotFound = (options: { inline: boolean }) =>
  new ApiError(404, "404 page not found\n", {
    "X-Content-Type-Options": "nosniff",
    ...(options.inline ? { "Content-Disposition": "inline" } : {}),
  });

/** Workhorse's plain-text 500 (Go's http.Error via fail.Request). */
export const workhorseFailed = (context?: ErrorContext) =>
  new ApiError(500, "Internal Server Error\n", { "X-Content-Type-Options": "nosniff" }, context);

/**
 * Workhorse's plain-text 413 when reading an uploaded zip reaches its limits (zipartifacts
 * CodeLimitsReached, ErrBadMetadata): here an archive past MAX_ARTIFACT_ENTRIES entries or
 * MAX_CENTRAL_DIRECTORY bytes of directory.
 */
export const zipLimitsReached = () =>
  new ApiError(413, "Request Entity Too Large\n", { "X-Content-Type-Options": "nosniff" });

/** Where an archive was being read: a file out of it (Workhorse's surface) or a runner's upload (Rails'). */
export type ArchiveSurface = { kind: "entry"; inline: boolean } | { kind: "upload" };

/**
 * The one mapping from a failure reading an archive (lib/zip/errors.ts) to its answer. Every
 * 5xx carries the failure's label and cause to the log line `render` writes. On an upload only
 * the archive's own faults are mapped; any other error is returned as it was thrown.
 */
export function archiveFailure(error: unknown, surface: ArchiveSurface, fields: LogFields = {}): unknown {
  const failure = zipFailure(error);
  const context = { cause: error, fields: { failure, ...fields } };
  if (surface.kind === "upload") {
    if (failure === "archive_invalid") return badRequest("File is not a zip archive");
    if (failure === "limits_reached") return zipLimitsReached();
    return failure === "unknown" ? error : internalError(context);
  }
  if (failure === "archive_not_found") return workhorseNotFound({ inline: surface.inline });
  return workhorseFailed(context);
}

/** Gitlab::Middleware::HandleNullBytes: a NUL anywhere in the parameters, before routing ("Bad Request", no JSON). */
export const nullBytes = () => new ApiError(400, "Bad Request");

/**
 * An archive past MAX_ARTIFACT_SIZE: Ci::JobArtifacts::CreateService#too_large_error, which the
 * runner API renders with `render_api_error!` on authorize (filesize) and on upload.
 */
export const artifactTooLarge = () => new ApiError(413, { message: "file size has reached maximum size limit" });

/** Seconds a client is told to wait (`Retry-After`) when PostgreSQL or storage is unavailable. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * PostgreSQL or storage refused, failed or did not answer in time (lib/platform/unavailable.ts):
 * Grape's JSON shape with 503's reason phrase, and when to try again.
 */
export const serviceUnavailable = (context?: ErrorContext) =>
  new ApiError(503, { message: "503 Service Unavailable" }, { "Retry-After": String(RETRY_AFTER_SECONDS) }, context);
