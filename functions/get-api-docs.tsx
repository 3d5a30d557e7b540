import { cachedDocument } from "../lib/http/openapi";
import { defineRoute, htmlResponse, type RouteDefinition } from "../lib/http/route";
import { ApiReference } from "../lib/web/api-reference";
import { htmlPage } from "../lib/web/respond";
import type { App } from "./app";
import { GITLAB_VERSION } from "./get-version";

export const route = defineRoute({
  method: "get",
  path: "/api/v4/docs",
  operationId: "getApiDocs",
  summary: "This API's reference, as a page",
  tags: ["Metadata"],
  security: [{}],
  responses: { 200: htmlResponse("Every operation with its parameters and answers; no script, no external asset") },
});

/** GET /api/v4/docs: the OpenAPI document, readable offline (server-rendered, no script). */
export function register(app: App, routes: readonly RouteDefinition[]) {
  app.on(route.method, route.path, async () => {
    // shared: public, as long as the API's public files.
    return htmlPage(<ApiReference document={cachedDocument(routes, GITLAB_VERSION)} />, { shared: true });
  });
}
