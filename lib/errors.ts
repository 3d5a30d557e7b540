/**
 * The one error type for HTTP answers. Constructors are named after GitLab's helpers in
 * lib/api/helpers.rb; the bodies are GitLab's byte for byte (reference section 0.5).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown> | string,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === "string" ? body : JSON.stringify(body));
    this.name = "ApiError";
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

/** Grape parameter validation: `{"error":"job is missing"}`. */
export const paramMissing = (name: string) => new ApiError(400, { error: `${name} is missing` });
export const paramInvalid = (name: string) => new ApiError(400, { error: `${name} is invalid` });

export const conflict = (message: string) => new ApiError(409, { message });

export const internalError = () => new ApiError(500, { message: "500 Internal Server Error" });

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
