import { badRequest, nullBytes } from "../errors";
import type { AppContext } from "./app-env";

/** Where web_url links point: PUBLIC_URL, else the origin the request came to. */
export const baseUrl = (c: AppContext): string =>
  (c.var.services.config.PUBLIC_URL ?? new URL(c.req.url).origin).replace(/\/+$/, "");

/** A query parameter as Rack reads it: of a repeated one, the last value. */
export const queryParam = (c: AppContext, name: string): string | undefined => c.req.queries(name)?.at(-1);

/** The query string as Rack reads it: one value a name, the last where it repeats. */
export const queryParams = (c: AppContext): Record<string, string> =>
  Object.fromEntries(new URL(c.req.url).searchParams);

/**
 * Request parameters as Grape sees them: the query string merged with a JSON or form body.
 */
export async function readParams(c: AppContext): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = queryParams(c);
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
  if (hasNullByte(params)) throw nullBytes();
  return params;
}

/**
 * Gitlab::Middleware::HandleNullBytes looks into body parameters too (three levels deep): a NUL
 * there is the same 400 as in the query, never a string PostgreSQL rejects.
 */
function hasNullByte(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.includes("\0");
  if (depth > 2 || value === null || typeof value !== "object") return false;
  return Object.values(value).some((inner) => hasNullByte(inner, depth + 1));
}
