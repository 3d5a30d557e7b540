import type { MiddlewareHandler } from "hono";
import { nullBytes } from "../errors";
import type { AppEnv } from "./app-env";

/**
 * Where a single-file route's artifact path starts (the same greedy split as its route pattern).
 * A NUL there is the route's own 400, after authorization (Gitlab::Ci::Build::Artifacts::Path).
 */
const ARTIFACT_PATH_START = /^\/api\/v4\/projects\/[^/]+\/jobs\/(?:\d+\/artifacts|artifacts\/.+\/raw)\//;

const hasNul = (encoded: string) => /%00/i.test(encoded) || encoded.includes("\0");

/**
 * GitLab's Gitlab::Middleware::HandleNullBytes: a NUL in any query parameter is 400 "Bad Request"
 * before routing and authentication. Here a NUL in a path parameter (`:id`, `:ref_name`, a job
 * id) is refused the same way, so that it never reaches PostgreSQL, which rejects it in text.
 */
export const rejectNullBytes: MiddlewareHandler<AppEnv> = async (c, next) => {
  const url = new URL(c.req.url);
  const path = url.pathname;
  const guarded = path.slice(0, ARTIFACT_PATH_START.exec(path)?.[0].length ?? path.length);
  if (hasNul(url.search) || hasNul(guarded)) throw nullBytes();
  await next();
};
