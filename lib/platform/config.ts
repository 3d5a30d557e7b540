import { z } from "zod";

/** Settings the service reads, as Worker vars/secrets or environment variables (README). */
const schema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  // host:port/path of a WebSocket-to-TCP bridge, for PostgreSQL servers that are not Neon.
  DATABASE_WS_PROXY: z
    .string()
    .regex(/^[\w.-]+(:\d+)?(\/[\w./-]*)?$/)
    .optional(),
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "not a valid bucket name"),
  S3_ACCESS_KEY_ID: z.string().min(1),
  S3_SECRET_ACCESS_KEY: z.string().min(1),
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters"),
  // Lifetime of presigned download URLs; S3 allows at most seven days.
  PRESIGN_EXPIRES_IN: z.coerce.number().int().min(1).max(604_800).default(300),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Validates settings once; every missing or malformed one is named in the error. */
export function parseConfig(source: Record<string, unknown>): Config {
  const values = Object.fromEntries(
    Object.keys(schema.shape).map((key) => [key, source[key] === "" ? undefined : source[key]]),
  );
  const result = schema.safeParse(values);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join(".");
      return values[key] === undefined ? `${key} is not set` : `${key}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  return result.data;
}
