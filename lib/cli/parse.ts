import { InvalidArgumentError } from "commander";

/**
 * GitLab's roles (Gitlab::Access), as schema/projects.ts has them; copied, not imported, because
 * loading the Drizzle schema would cost every command a third of a second (a test holds the two
 * equal).
 */
export const ACCESS_LEVELS = { guest: 10, reporter: 20, developer: 30, maintainer: 40, owner: 50 } as const;

/** A positive whole number (an id), else commander's usage error (exit 1). */
export function id(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError("expected a positive whole number");
  }
  return Number(value);
}

/** `developer` or `30`: GitLab's role names and numbers. */
export function accessLevel(value: string): number {
  const named = ACCESS_LEVELS[value.toLowerCase() as keyof typeof ACCESS_LEVELS];
  if (named !== undefined) return named;
  if (Object.values(ACCESS_LEVELS).includes(Number(value) as never)) return Number(value);
  throw new InvalidArgumentError(`expected one of ${Object.keys(ACCESS_LEVELS).join(", ")} (or 10 to 50)`);
}

/** `api,read_api` -> ["api", "read_api"]. */
export const list = (value: string) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
