import { z } from "zod";
import { paramErrors } from "../errors";
import type { AppContext } from "./app-env";
import { parseParams } from "./params";
import { queryParams } from "./request";

/** Kaminari's max_per_page in GitLab: a larger per_page is served as 100. */
export const MAX_PER_PAGE = 100;
export const DEFAULT_PER_PAGE = 20;
/** Kaminari::ActiveRecordRelationMethods::MAX_COUNT_LIMIT: past it GitLab stops counting. */
export const MAX_COUNT = 10_000;

/** API::PaginationParams: `page` and `per_page`, Integer, defaults 1 and 20, per_page 0 excluded. */
const PageParams = z.object({
  page: z.coerce.number().int().optional(),
  per_page: z.coerce
    .number()
    .int()
    .refine((value) => value !== 0)
    .optional(),
});

export interface PageRequest {
  /** The page served (Kaminari: anything below 1 is page 1). */
  readonly page: number;
  /** Rows a page holds, at most MAX_PER_PAGE. */
  readonly perPage: number;
  readonly offset: number;
  /** per_page as the request gave it, which GitLab's Link keeps. */
  readonly requestedPerPage: number;
}

/**
 * The page a request asks for, validated as Grape and GitLab's verify_pagination_params! do:
 * a non-integer is `page is invalid`, per_page=0 `per_page has a value not allowed`, below 1
 * `... does not have a valid value`.
 */
export function pageRequest(c: AppContext): PageRequest {
  const input = queryParams(c);
  if (input.per_page === "0") throw paramErrors(["per_page has a value not allowed"]);
  const params = parseParams(PageParams, { page: input.page || undefined, per_page: input.per_page || undefined });
  for (const name of ["page", "per_page"] as const) {
    const value = params[name];
    if (value !== undefined && value < 1) throw paramErrors([`${name} does not have a valid value`]);
  }
  const page = params.page ?? 1;
  const requestedPerPage = params.per_page ?? DEFAULT_PER_PAGE;
  const perPage = Math.min(requestedPerPage, MAX_PER_PAGE);
  return { page, perPage, offset: (page - 1) * perPage, requestedPerPage };
}

/**
 * What a page query found. `total` when the query counted (a window count beside the rows);
 * without it, the query read one row past the page to know whether another page follows
 * (Kaminari's without_count, which GitLab's job list uses).
 */
export type PageResult<T> =
  | { readonly rows: readonly T[]; readonly total: number }
  | { readonly rows: readonly T[]; readonly total?: undefined; readonly more: boolean };

/** Ruby's CGI.escape: all but letters, digits and `_.-~` percent-encoded, a space as `+`. */
const cgiEscape = (value: string): string =>
  encodeURIComponent(value)
    .replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");

/** Query parameters as Rails' to_query writes them: sorted by name, arrays as name[]=, CGI-escaped. */
function toQuery(params: Record<string, string | readonly string[]>): string {
  return Object.keys(params)
    .sort()
    .flatMap((name) => {
      const value = params[name] ?? "";
      return typeof value === "string"
        ? [`${cgiEscape(name)}=${cgiEscape(value)}`]
        : value.map((item) => `${cgiEscape(`${name}[]`)}=${cgiEscape(item)}`);
    })
    .join("&");
}

/**
 * Sets GitLab's offset pagination headers (Gitlab::Pagination::OffsetHeaderBuilder) and returns
 * the page's rows. `params` are the route's parameters as Grape holds them (path parameters,
 * the query, declared defaults): every Link carries them, with page and per_page. Past
 * MAX_COUNT rows, X-Total, X-Total-Pages and rel="last" are left out, as GitLab does.
 */
export function paginate<T>(
  c: AppContext,
  request: PageRequest,
  result: PageResult<T>,
  params: Record<string, string | readonly string[]>,
): readonly T[] {
  const { page, perPage } = request;
  const counted = result.total !== undefined && result.total <= MAX_COUNT;
  const rows = result.rows.slice(0, perPage);
  const outOfRange = rows.length === 0 && page > 1;
  const totalPages = counted ? Math.max(Math.ceil((result.total ?? 0) / perPage), 1) : undefined;
  const hasNext = result.total === undefined ? result.more : !outOfRange && page * perPage < (result.total ?? 0);
  const next = hasNext ? page + 1 : undefined;
  const prev = page > 1 && !outOfRange ? page - 1 : undefined;

  const url = new URL(c.req.url);
  const base = `${(c.var.services.config.PUBLIC_URL ?? url.origin).replace(/\/+$/, "")}${url.pathname}`;
  const href = (target: number) =>
    `<${base}?${toQuery({ ...params, page: String(target), per_page: String(request.requestedPerPage) })}>`;
  const links: string[] = [];
  if (prev !== undefined) links.push(`${href(prev)}; rel="prev"`);
  if (next !== undefined) links.push(`${href(next)}; rel="next"`);
  links.push(`${href(1)}; rel="first"`);
  if (totalPages !== undefined) links.push(`${href(totalPages)}; rel="last"`);

  c.header("X-Per-Page", String(perPage));
  c.header("X-Page", String(page));
  c.header("X-Next-Page", next === undefined ? "" : String(next));
  c.header("X-Prev-Page", prev === undefined ? "" : String(prev));
  c.header("Link", links.join(", "));
  if (counted) {
    c.header("X-Total", String(result.total));
    c.header("X-Total-Pages", String(totalPages));
  }
  return rows;
}

/**
 * The parameters a Link repeats: the path's (`id`, ...), the query's (the last of a repeated
 * name; `name[]` as an array) and the route's declared defaults, as Grape's `params` holds them.
 */
export function linkParams(
  c: AppContext,
  defaults: Record<string, string> = {},
): Record<string, string | readonly string[]> {
  const params: Record<string, string | readonly string[]> = { ...defaults, ...c.req.param() };
  const search = new URL(c.req.url).searchParams;
  for (const name of new Set(search.keys())) {
    if (name.endsWith("[]")) params[name.slice(0, -2)] = search.getAll(name);
    else params[name] = search.getAll(name).at(-1) ?? "";
  }
  return params;
}

/**
 * A counted page from rows that carry their query's window count (`count(*) over ()`): one
 * statement for the page and its total. Only a page past the end, which has no row to carry
 * the count, asks `count` separately.
 */
export async function countedPage<T extends { readonly total: number }>(
  rows: readonly T[],
  request: PageRequest,
  count: () => Promise<number>,
): Promise<PageResult<T>> {
  const total = rows[0]?.total ?? (request.page > 1 ? await count() : 0);
  return { rows, total };
}
