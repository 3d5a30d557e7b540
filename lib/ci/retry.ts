/** PostgreSQL's serialization_failure and deadlock_detected: the transaction may simply run again. */
const RETRYABLE = new Set(["40001", "40P01"]);

/** Attempts in all, counting the first. */
export const TRANSACTION_ATTEMPTS = 3;

/** The SQLSTATE of a driver error, looked for along the cause chain (Drizzle wraps the driver's error). */
function sqlState(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Runs a whole transaction again when PostgreSQL aborted it for a serialization failure or a
 * deadlock, a bounded number of times (as Rails' transaction retries in GitLab's
 * Gitlab::Database::WithLockRetries bound theirs); any other error, or the last attempt's, is thrown.
 */
export async function withRetry<T>(transaction: () => Promise<T>, attempts = TRANSACTION_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      const state = sqlState(error);
      if (attempt >= attempts || state === undefined || !RETRYABLE.has(state)) throw error;
    }
  }
}
