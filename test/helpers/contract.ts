import { TrieRouter } from "hono/router/trie-router";
import { getPath } from "hono/utils/url";
import type { z } from "zod";
import { ROUTES } from "../../functions/app";
import { documentedResponses } from "../../lib/http/openapi";
import type { RouteDefinition } from "../../lib/http/route";

/** The routes as the app's router tries them: the first match is the route that answered. */
const router = new TrieRouter<RouteDefinition>();
for (const route of ROUTES) router.add(route.method.toUpperCase(), route.path, route);

/** The definition of the route that answers `method` `path`, if any. */
export function routeFor(method: string, path: string): RouteDefinition | undefined {
  const request = new Request(new URL(path, "http://localhost"));
  // Hono answers HEAD with the GET route.
  const [matches] = router.match(method === "HEAD" ? "GET" : method.toUpperCase(), getPath(request));
  return matches[0]?.[0];
}

/**
 * Throws unless an answer is one its route documents: its status is listed, with the answer's
 * media type when it has a body, and a JSON body matches that status's schema (strict objects,
 * so an undocumented key fails too). Answers no route matched (the catch-all 404) are not checked.
 */
export async function checkContract(method: string, path: string, response: Response): Promise<void> {
  const route = routeFor(method, path);
  if (!route) return;
  const where = `${method} ${route.path} answered ${response.status}`;
  const documented = documentedResponses(route)[String(response.status)];
  if (!documented) throw new Error(`${where}, a status its route definition does not document`);
  const type = response.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  const content = documented.content;
  // No body documented (a redirect, 304, 206), or a file out of an archive, whose type is the file's.
  if (!type || !content || content["*/*"]) return;
  const media = content[type];
  if (!media) throw new Error(`${where} with ${type}, which its route definition does not document`);
  if (type !== "application/json") return;
  const body: unknown = await response.clone().json();
  const result = (media.schema as z.ZodType).safeParse(body);
  if (!result.success) {
    throw new Error(`${where} with a body its schema refuses: ${JSON.stringify(result.error.issues)}`);
  }
}

/** `app.request`, with each answer checked against the contract (for tests that build their own app). */
export function contractFetch(app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> }) {
  return async (path: string, init?: RequestInit): Promise<Response> => {
    const response = await app.request(path, init);
    await checkContract(init?.method ?? "GET", path, response);
    return response;
  };
}
