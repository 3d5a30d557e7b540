/**
 * `expire_in` as GitLab Runner sends it ("30 days", "1 week", "2h 20min", "never", "3600"),
 * parsed the way GitLab's ChronicDuration does for artifact expiry.
 */
const UNIT_SECONDS: ReadonlyArray<[RegExp, number]> = [
  [/^(s|sec|secs|second|seconds)$/, 1],
  [/^(m|min|mins|minute|minutes)$/, 60],
  [/^(h|hr|hrs|hour|hours)$/, 3600],
  [/^(d|day|days)$/, 86_400],
  [/^(w|wk|wks|week|weeks)$/, 7 * 86_400],
  [/^(mo|mos|month|months)$/, 30 * 86_400],
  [/^(y|yr|yrs|year|years)$/, 365 * 86_400],
];

/** GitLab's default when a job does not say (Admin > CI/CD > Default artifacts expiration). */
export const DEFAULT_EXPIRE_IN = "30 days";

/** Seconds, null for "never", or undefined when the text is not a duration. */
export function parseExpireIn(text: string): number | null | undefined {
  const input = text.trim().toLowerCase();
  if (input === "never") return null;
  if (/^\d+$/.test(input)) return Number(input);
  const parts = input.replace(/\band\b|,/g, " ").match(/(\d+(?:\.\d+)?)\s*([a-z]+)/g);
  if (!parts || parts.join("").replace(/\s/g, "") !== input.replace(/\band\b|[,\s]/g, "")) return undefined;
  let seconds = 0;
  for (const part of parts) {
    const [, amount, unit] = /(\d+(?:\.\d+)?)\s*([a-z]+)/.exec(part) ?? [];
    const factor = UNIT_SECONDS.find(([pattern]) => pattern.test(unit ?? ""))?.[1];
    if (factor === undefined) return undefined;
    seconds += Number(amount) * factor;
  }
  return Math.round(seconds);
}

/**
 * The latest expiry kept: "300000 years" overflows a JavaScript Date, and past year 9999 a
 * timestamp leaves ISO 8601's four-digit years (PostgreSQL's own limit is 294276 AD).
 */
const LATEST_EXPIRY_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/** When an archive kept `seconds` from `now` expires; undefined past the latest expiry kept. */
export function expiryFrom(seconds: number, now: Date): Date | undefined {
  const at = now.getTime() + seconds * 1000;
  return Number.isFinite(at) && at <= LATEST_EXPIRY_MS ? new Date(at) : undefined;
}
