import { z } from "zod";
import type { ZodOpenApiOperationObject, ZodOpenApiResponseObject } from "zod-openapi";

export type Method = "get" | "post" | "put" | "patch" | "delete";

/**
 * One operation, defined once: the Hono path its handler is registered at (`app.on(route.method,
 * route.path, …)`) and what the OpenAPI document says of it (lib/http/openapi.ts). Path
 * parameters the handler checks itself may be left out of `requestParams.path`: the document
 * lists them from the path as strings.
 */
export interface RouteDefinition<P extends string = string> extends ZodOpenApiOperationObject {
  readonly method: Method;
  readonly path: P;
  readonly operationId: string;
  readonly summary: string;
}

export const defineRoute = <const P extends string>(route: RouteDefinition<P>): RouteDefinition<P> => route;

/** A Hono path parameter: `:name`, or `:name{regex}` (no nested braces in ours). */
const HONO_PARAM = /:(\w+)(?:\{((?:[^{}]|\{[^{}]*\})*)\})?/g;

/** `/projects/:id/jobs/:job_id{[0-9]+}` as OpenAPI writes it, `/projects/{id}/jobs/{job_id}`, and its parameters. */
export function openApiPath(honoPath: string): { path: string; params: { name: string; pattern?: string }[] } {
  const params: { name: string; pattern?: string }[] = [];
  const path = honoPath.replace(HONO_PARAM, (_, name: string, pattern?: string) => {
    params.push(pattern ? { name, pattern } : { name });
    return `{${name}}`;
  });
  return { path, params };
}

/** Rails' error body: `{"message":"404 Project Not Found"}`, or a model's errors by attribute. */
export const MessageError = z
  .strictObject({ message: z.union([z.string(), z.record(z.string(), z.array(z.string()))]) })
  .meta({ id: "MessageError", description: "Rails' error body (lib/api/helpers.rb)" });

/** Grape's parameter errors and the unmatched route: `{"error":"job is missing"}`; rack-oauth2's token errors. */
export const ErrorBody = z
  .strictObject({
    error: z.string(),
    error_description: z.string().optional(),
    scope: z.string().optional(),
  })
  .meta({ id: "Error", description: "Grape's parameter errors, or an OAuth token error" });

const ApiErrorBody = z.union([MessageError, ErrorBody]);

/** A JSON answer of `schema`. */
export const jsonResponse = (schema: z.ZodType, description: string): ZodOpenApiResponseObject => ({
  description,
  content: { "application/json": { schema } },
});

/** What each error status means on this API; every route also answers 503 (see `serviceUnavailable`). */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'A parameter is missing or invalid (Grape\'s `{"error"}`), or the request is refused (`{"message"}`)',
  401: "No valid token, or a revoked or expired one (`invalid_token`)",
  403: "The caller may not do this, or the token lacks the scope (`insufficient_scope`)",
  404: "The project, job, pipeline or artifact is not there, or not visible to the caller",
  409: "It exists already",
  500: "An unexpected failure",
  503: "PostgreSQL or storage is unavailable; retry after the Retry-After header's seconds",
};

/** GitLab's JSON error answers for these statuses. */
export function errorResponses(...statuses: number[]): Record<string, ZodOpenApiResponseObject> {
  return Object.fromEntries(
    statuses.map((status) => [String(status), jsonResponse(ApiErrorBody, ERROR_DESCRIPTIONS[status] ?? "An error")]),
  );
}

/** A redirect: to presigned storage for a download, or the web routes' latest-job walk. */
export const redirectResponse = (description: string): ZodOpenApiResponseObject => ({
  description,
  headers: z.object({ Location: z.string().meta({ description: "Where to go" }) }),
});

/** Bytes: an archive, streamed (or proxied) from storage. */
export const binaryResponse = (description: string): ZodOpenApiResponseObject => ({
  description,
  content: { "application/zip": { schema: z.string().meta({ format: "binary" }) } },
});

/** One file out of an archive: its type is the file's (by extension or sniffed), JSON included. */
export const fileResponse = (description: string): ZodOpenApiResponseObject => ({
  description,
  content: { "*/*": { schema: z.string().meta({ format: "binary" }) } },
});

/** What a download answers besides its bytes: If-None-Match and Range (lib/downloads/entry.ts, proxy.ts). */
export const conditionalResponses: Record<string, ZodOpenApiResponseObject> = {
  206: { description: "The requested range of the bytes" },
  304: { description: "Not modified: If-None-Match held the ETag" },
  416: { description: "The range is not satisfiable" },
};

/** A server-rendered page (the artifact browser, the API reference). */
export const htmlResponse = (description: string): ZodOpenApiResponseObject => ({
  description,
  content: { "text/html": { schema: z.string() } },
});

/** Rails' error pages of the web routes (a 403 shows as the 404 page). */
export const webErrorResponses = (): Record<string, ZodOpenApiResponseObject> => ({
  400: htmlResponse("Rails' 400 page"),
  401: htmlResponse("Rails' 401 page: the project is not public and no session is known here"),
  404: htmlResponse("Rails' 404 page: not there, or not visible to the caller"),
});

/** A zip-entry route's 404: the API's JSON before the archive is open, Workhorse's text after. */
export const entryNotFoundResponse: ZodOpenApiResponseObject = {
  description: "The project, job or archive is not there (JSON), or the entry is not in the archive (text)",
  content: { "application/json": { schema: ApiErrorBody }, "text/plain": { schema: z.string() } },
};

/** A zip-entry route's 500: Rails' JSON (no archive to read), or Workhorse's text (the archive is unreadable). */
export const entryFailedResponse: ZodOpenApiResponseObject = {
  description: "Rails' JSON when the job has no archive to read from, Workhorse's text when the archive cannot be read",
  content: { "application/json": { schema: MessageError }, "text/plain": { schema: z.string() } },
};

/** Grape's params, from the query string and a JSON or form body (lib/http/request.ts readParams). */
export const paramsBody = (schema: z.ZodType) => ({
  content: { "application/json": { schema }, "application/x-www-form-urlencoded": { schema } },
});

/** The API's offset pagination (lib/http/pagination.ts); the answer's Link and X-* headers say the rest. */
export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).optional(),
  per_page: z.coerce.number().int().min(1).max(100).optional(),
});

/** A page of a list, with GitLab's pagination headers (lib/http/pagination.ts). */
export const pageResponse = (schema: z.ZodType, description: string): ZodOpenApiResponseObject => ({
  ...jsonResponse(z.array(schema), description),
  headers: z.object({
    Link: z.string().meta({ description: 'rel="prev", "next", "first", "last"' }),
    "X-Page": z.string(),
    "X-Per-Page": z.string(),
    "X-Next-Page": z.string(),
    "X-Prev-Page": z.string(),
    "X-Total": z.string().optional().meta({ description: "Not on the project job list, nor past 10,000 rows" }),
    "X-Total-Pages": z.string().optional().meta({ description: "As X-Total" }),
  }),
});

/** `:id` of a project route: its numeric id or its URL-encoded full path. */
export const ProjectPathParams = z.object({
  id: z.string().meta({ description: "The project's id or URL-encoded full path (`group%2Fproject`)" }),
});

/** An archive download's answers (present_artifacts_file!): a 302 to storage, or the bytes when proxied. */
export const archiveResponses: Record<string, ZodOpenApiResponseObject> = {
  200: binaryResponse("The archive, when the Worker proxies it (PROXY_DOWNLOAD)"),
  ...conditionalResponses,
  302: redirectResponse("To a presigned storage URL of the archive"),
};

/** The answers of the API's routes of one file out of an archive (Workhorse's surface after the archive opens). */
export const entryResponses: Record<string, ZodOpenApiResponseObject> = {
  200: fileResponse("The file, streamed out of the archive, typed by its name or its bytes"),
  ...conditionalResponses,
  ...errorResponses(400, 401, 403),
  404: entryNotFoundResponse,
  500: entryFailedResponse,
};

/** `?job=NAME` of the ref routes: the ref's latest successful job of that name. */
export const RefJobQuery = z.object({ job: z.string().meta({ description: "The job's name" }) });
