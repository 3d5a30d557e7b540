import { z } from "zod";
import { createDocument, type ZodOpenApiPathsObject, type ZodOpenApiResponseObject } from "zod-openapi";
import { errorResponses, openApiPath, type RouteDefinition } from "./route";

export type OpenApiDocument = ReturnType<typeof createDocument>;

/** How a Hono path parameter's pattern reads in the document. */
function describePattern(pattern: string | undefined): string | undefined {
  if (pattern === undefined) return undefined;
  if (/^(\.\+\??|\[\\s\\S\]\+)$/.test(pattern)) return "May contain slashes: everything up to the next fixed segment";
  return `Matches ${pattern}`;
}

/** `extra`'s media types added to the route's own answer for that status, if it has one. */
function merged(own: ZodOpenApiResponseObject | undefined, extra: ZodOpenApiResponseObject): ZodOpenApiResponseObject {
  return { description: own?.description ?? extra.description, content: { ...extra.content, ...own?.content } };
}

/**
 * A route's answers as documented: its own, plus what any route may answer: the 400 text of
 * Gitlab::Middleware::HandleNullBytes (lib/http/null-bytes.ts, before routing), the JSON 500 of
 * an unexpected failure, and the 503 when PostgreSQL or storage is unavailable.
 */
export function documentedResponses(
  route: Pick<RouteDefinition, "responses">,
): Record<string, ZodOpenApiResponseObject> {
  // Our definitions use no $ref responses.
  const own = route.responses as Record<string, ZodOpenApiResponseObject>;
  const nul = { description: "A NUL byte in a parameter", content: { "text/plain": { schema: z.string() } } };
  const common = errorResponses(500, 503);
  return {
    ...own,
    400: merged(own["400"], nul),
    500: merged(own["500"], common["500"] ?? nul),
    503: merged(own["503"], common["503"] ?? nul),
  };
}

/**
 * The OpenAPI 3.1 document of `routes`: each route's Hono path as an OpenAPI template, its path
 * parameters (those the route does not declare are strings, with their pattern described), and
 * the 503 every route answers when PostgreSQL or storage is unavailable.
 */
export function openApiDocument(routes: readonly RouteDefinition[], version: string): OpenApiDocument {
  const paths: ZodOpenApiPathsObject = {};
  for (const { method, path: honoPath, requestParams, responses, ...operation } of routes) {
    const { path, params } = openApiPath(honoPath);
    const declared = (requestParams?.path as z.ZodObject | undefined)?.shape ?? {};
    const pathParams = Object.fromEntries(
      params.map(({ name, pattern }) => [
        name,
        declared[name] ?? z.string().meta({ description: describePattern(pattern) }),
      ]),
    );
    paths[path] = {
      ...paths[path],
      [method]: {
        ...operation,
        requestParams: { ...requestParams, path: z.object(pathParams) },
        responses: documentedResponses({ responses }),
      },
    };
  }
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "artifact-edge",
      version,
      description:
        "GitLab's job artifacts API (and the API around it) on Cloudflare Workers. Answers, error bodies " +
        "included, are GitLab's. Every GET route also answers HEAD.",
    },
    paths,
    components: {
      securitySchemes: {
        privateToken: { type: "apiKey", in: "header", name: "PRIVATE-TOKEN", description: "A personal access token" },
        jobToken: { type: "apiKey", in: "header", name: "JOB-TOKEN", description: "A CI job token" },
        bearer: { type: "http", scheme: "bearer", description: "A personal access token as OAuth bearer" },
      },
    },
    // Anonymous callers may read public projects.
    security: [{}, { privateToken: [] }, { jobToken: [] }, { bearer: [] }],
  });
}

const built = new WeakMap<readonly RouteDefinition[], OpenApiDocument>();

/** The document of `routes`, built once per isolate (the Worker keeps one app, so one route list). */
export function cachedDocument(routes: readonly RouteDefinition[], version: string): OpenApiDocument {
  let document = built.get(routes);
  if (!document) {
    document = openApiDocument(routes, version);
    built.set(routes, document);
  }
  return document;
}

/** The contract is public and changes only with a deploy: caches may keep it a while. */
export const CONTRACT_CACHE_CONTROL = "public, max-age=300";
