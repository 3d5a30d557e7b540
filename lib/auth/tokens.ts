import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** GitLab's token prefixes: personal access tokens and CI/CD job tokens. */
export const PAT_PREFIX = "glpat-";
export const JOB_TOKEN_PREFIX = "glcbt-";

export function newToken(prefix: string): string {
  return prefix + randomBytes(24).toString("base64url");
}

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
