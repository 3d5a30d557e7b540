import { z } from "zod";
import { CONTRACT_CACHE_CONTROL, cachedDocument } from "../lib/http/openapi";
import { defineRoute, jsonResponse, type RouteDefinition } from "../lib/http/route";
import type { App } from "./app";
import { GITLAB_VERSION } from "./get-version";

export const route = defineRoute({
  method: "get",
  path: "/api/v4/openapi.json",
  operationId: "getOpenApi",
  summary: "This API's OpenAPI 3.1 document",
  tags: ["Metadata"],
  security: [{}],
  responses: { 200: jsonResponse(z.looseObject({ openapi: z.literal("3.1.0") }), "The document") },
});

/**
 * GET /api/v4/openapi.json: every route's definition (functions/*.ts `route`) as OpenAPI 3.1,
 * public, generated on the first request and kept for the isolate's life.
 */
export function register(app: App, routes: readonly RouteDefinition[]) {
  app.on(route.method, route.path, (c) => {
    c.header("Cache-Control", CONTRACT_CACHE_CONTROL);
    return c.json(cachedDocument(routes, GITLAB_VERSION));
  });
}
