import { z } from "zod";
import { DATABASE_TIMEOUT_MS } from "./db";
import { STORAGE_TIMEOUT_MS } from "./storage";

/** A timeout setting, in milliseconds: at least 1 ms, at most 10 minutes. */
const milliseconds = (fallback: number) => z.coerce.number().int().min(1).max(600_000).default(fallback);

const MB = 1024 * 1024;
const MAX_S3_OBJECT = 5 * 1024 * MB;

/**
 * GitLab has no entry limit of its own (its metadata reader stops after 100 MB of reads); 200,000
 * is the most the index took before, about 20 MB of index rows for usual names.
 */
export const DEFAULT_MAX_ARTIFACT_ENTRIES = 200_000;

/** PROXY_DOWNLOAD's values: stream when the request has Authorization, stream always, redirect always. */
export const PROXY_DOWNLOAD_MODES = ["auto", "always", "never"] as const;

/** PRESIGN_WINDOW when unset: a minute, or less than half of PRESIGN_EXPIRES_IN. */
export const DEFAULT_PRESIGN_WINDOW = 60;

/** Settings the service reads, as Worker vars/secrets or environment variables (docs/configuration.md). */
export const configSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  // host:port/path of a WebSocket-to-TCP bridge, for PostgreSQL servers that are not Neon.
  DATABASE_WS_PROXY: z
    .string()
    .regex(/^[\w.-]+(:\d+)?(\/[\w./-]*)?$/)
    .optional(),
  // URL of a SQL-over-HTTP endpoint (Neon's protocol) for a PostgreSQL that is not Neon: the Worker's statements go there.
  DATABASE_HTTP_PROXY: z.url({ protocol: /^https?$/ }).optional(),
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "not a valid bucket name"),
  S3_ACCESS_KEY_ID: z.string().min(1),
  S3_SECRET_ACCESS_KEY: z.string().min(1),
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters"),
  // Most entries an archive may hold (413 above it): each is an index row written at upload.
  MAX_ARTIFACT_ENTRIES: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_MAX_ARTIFACT_ENTRIES),
  // Lifetime of presigned download URLs; S3 allows at most seven days.
  PRESIGN_EXPIRES_IN: z.coerce.number().int().min(1).max(604_800).default(300),
  // Seconds of the window whose start signs every presigned download URL (presignWindow()).
  PRESIGN_WINDOW: z.coerce.number().int().min(0).max(604_799).optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  // How archives are served (lib/downloads/archive.ts): streamed by the service, as GitLab's
  // proxy_download, or a 302 to storage; `auto` streams only requests carrying Authorization.
  PROXY_DOWNLOAD: z.enum(PROXY_DOWNLOAD_MODES).default("auto"),
  // Largest archive accepted, in bytes: GitLab's instance default max_artifacts_size, 100 MB. At
  // most 5 GiB, the largest object one PUT (direct upload) or one CopyObject (finalize) handles.
  MAX_ARTIFACT_SIZE: wholeNumber(
    1,
    MAX_S3_OBJECT,
    `must be a whole number of bytes from 1 to ${MAX_S3_OBJECT}`,
  ).default(100 * MB),
  // Past these a dependency counts as unavailable and the request is answered 503.
  STORAGE_TIMEOUT_MS: milliseconds(STORAGE_TIMEOUT_MS),
  DATABASE_TIMEOUT_MS: milliseconds(DATABASE_TIMEOUT_MS),
});

export type Config = z.infer<typeof configSchema>;

/**
 * Presigned downloads are signed at the start of the current PRESIGN_WINDOW, so every redirect
 * within a window carries the same URL; counted from that start, a URL handed out has at least
 * PRESIGN_EXPIRES_IN - PRESIGN_WINDOW seconds left. 0 signs at the moment of the request.
 */
export function presignWindow(config: Pick<Config, "PRESIGN_WINDOW" | "PRESIGN_EXPIRES_IN">): number {
  return config.PRESIGN_WINDOW ?? Math.min(DEFAULT_PRESIGN_WINDOW, Math.floor(config.PRESIGN_EXPIRES_IN / 2));
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

function wholeNumber(min: number, max: number, error: string) {
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** The Node entry's edge cache by default: 64 MiB of public files (lib/platform/memory-edge-cache.ts). */
export const DEFAULT_EDGE_CACHE_BYTES = 64 * MB;

/**
 * Settings only the Node entry reads (functions/node.ts; `npm start` reads PORT alone). The
 * cleanup runs every CLEANUP_INTERVAL seconds, as the Worker's Cron Trigger runs it every 7 minutes.
 * EDGE_CACHE_BYTES bounds the memory kept for public files (0: none kept).
 */
export const nodeSchema = z.object({
  PORT: wholeNumber(1, 65_535, "must be a port number").default(8787),
  // setInterval holds at most 2^31-1 milliseconds; past that Node fires at once, as it does for NaN.
  CLEANUP_INTERVAL: wholeNumber(1, 2_147_483, "must be a whole number of seconds from 1 to 2147483").default(420),
  EDGE_CACHE_BYTES: wholeNumber(0, 1024 * MB, "must be a whole number of bytes from 0 to 1073741824").default(
    DEFAULT_EDGE_CACHE_BYTES,
  ),
});

/** Validates settings once; every missing or malformed one is named in the error. */
export function parseSettings<S extends z.ZodObject>(settings: S, source: Record<string, unknown>): z.output<S> {
  const values = Object.fromEntries(
    Object.keys(settings.shape).map((key) => [key, source[key] === "" ? undefined : source[key]]),
  );
  const result = settings.safeParse(values);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join(".");
      return values[key] === undefined ? `${key} is not set` : `${key}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  return result.data;
}

export function parseConfig(source: Record<string, unknown>): Config {
  const config = parseSettings(configSchema, source);
  if (config.PRESIGN_WINDOW !== undefined && config.PRESIGN_WINDOW >= config.PRESIGN_EXPIRES_IN) {
    throw new ConfigError("invalid configuration: PRESIGN_WINDOW: must be less than PRESIGN_EXPIRES_IN");
  }
  return config;
}
