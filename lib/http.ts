import type { Context } from "hono";
import { authenticate, type CredentialSource, type Principal, requireScope } from "./auth";
import { badRequest } from "./errors";
import { type ProjectAccess, requireProjectRole } from "./projects";
import type { Services } from "./services";

export interface AppEnv {
  Variables: { services: Services; requestId: string };
}

export type AppContext = Context<AppEnv>;

export const credentials = (c: AppContext): CredentialSource => ({
  header: (name) => c.req.header(name),
  query: (name) => c.req.query(name),
});

/** Where web_url links point: PUBLIC_URL, else the origin the request came to. */
export const baseUrl = (c: AppContext): string =>
  (c.var.services.config.PUBLIC_URL ?? new URL(c.req.url).origin).replace(/\/+$/, "");

/**
 * Request parameters as Grape sees them: the query string merged with a JSON or form body.
 */
export async function readParams(c: AppContext): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = { ...c.req.query() };
  const type = c.req.header("content-type") ?? "";
  if (/^application\/json/i.test(type)) {
    const body = await c.req.json().catch(() => {
      throw badRequest("invalid JSON body");
    });
    if (body === null || typeof body !== "object" || Array.isArray(body)) throw badRequest("invalid JSON body");
    Object.assign(params, body);
  } else if (/^application\/x-www-form-urlencoded/i.test(type)) {
    const form = new URLSearchParams(await c.req.text());
    for (const key of new Set(form.keys())) {
      const values = form.getAll(key);
      // Rails-style arrays: scopes[]=api&scopes[]=read_api
      if (key.endsWith("[]")) params[key.slice(0, -2)] = values;
      else params[key] = values.at(-1);
    }
  }
  return params;
}

/**
 * The caller of a management route: access tokens only (job tokens are not taken here, as on
 * GitLab's keep and delete routes), checked for the scope the method needs.
 */
export async function caller(c: AppContext): Promise<Principal> {
  const { db, config } = c.var.services;
  const principal = await authenticate(db, credentials(c), { adminToken: config.ADMIN_TOKEN, jobTokens: false });
  requireScope(principal, c.req.method);
  return principal;
}

/** caller() holding at least `level` in the project `:id` (404 for those who may not see it). */
export async function projectCaller(c: AppContext, level: number): Promise<ProjectAccess & { principal: Principal }> {
  const principal = await caller(c);
  const access = await requireProjectRole(c.var.services.db, c.req.param("id") ?? "", principal, level);
  return { ...access, principal };
}
