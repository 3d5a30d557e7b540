import { NeonDbError } from "@neondatabase/serverless";
import { StorageTimeoutError } from "./storage";

/**
 * Whether an error means PostgreSQL or storage is unavailable for now (refused, reset, timed
 * out, overloaded, restarting), which the client may retry, rather than a fault of ours. The one
 * classifier `render` (functions/app.ts) answers 503 by; anything else stays a 500.
 */
export function isUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Object && !seen.has(current); current = causeOf(current)) {
    seen.add(current);
    // The Neon driver on Workers rejects with the WebSocket's own error event when it cannot connect.
    if (typeof Event === "function" && current instanceof Event) return current.type === "error";
    if (current instanceof Error && unavailableLink(current)) return true;
  }
  return false;
}

const causeOf = (value: object): unknown => (value instanceof Error ? value.cause : undefined);

/**
 * PostgreSQL's SQLSTATEs for "not now": connection exceptions (class 08), the server shutting
 * down or not yet accepting (57P01-57P05), too many connections (53300).
 */
const POSTGRES_UNAVAILABLE = /^(08...|57P0[1-5]|53300)$/;

/** Socket errors from Node (errno names) and from undici (Node's fetch). */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);

/**
 * S3's answers for "slow down or try again" (S3's error codes; R2 and MinIO use the same), and
 * the AWS SDK's names for a request that timed out (connect, headers) or was cut off.
 */
const STORAGE_UNAVAILABLE = new Set([
  "InternalError",
  "ServiceUnavailable",
  "SlowDown",
  "RequestTimeout",
  "TimeoutError",
]);

/**
 * node-postgres and its pool say a connection failed only in words; these are its messages
 * (pg's client.js and connection.js, pg-pool's index.js), as bundled by the Neon driver.
 */
const POSTGRES_CONNECTION_MESSAGES = [
  "Connection terminated unexpectedly",
  "Connection terminated due to connection timeout",
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "timeout expired",
  "Query read timeout",
  "Client has encountered a connection error and is not queryable",
];

/**
 * How `neon()` (the driver's SQL over HTTP) words "not now": its fetch failed (refused, reset,
 * timed out by DATABASE_TIMEOUT_MS's signal), or the endpoint answered 5xx. A PostgreSQL error
 * comes back as 400 with its SQLSTATE in `code`, classified as any other.
 */
const NEON_HTTP_UNAVAILABLE = /^(Error connecting to database: |Server error \(HTTP status 5\d\d\))/;

/** What workerd's fetch says when the connection to the origin was refused or cut off. */
const WORKERD_NETWORK_MESSAGES = ["Network connection lost."];

function unavailableLink(error: Error): boolean {
  if (error instanceof StorageTimeoutError) return true;
  if (error instanceof NeonDbError && NEON_HTTP_UNAVAILABLE.test(error.message)) return true;
  const { code, Code, $metadata } = error as {
    code?: unknown;
    Code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  if (typeof code === "string" && (POSTGRES_UNAVAILABLE.test(code) || NETWORK_CODES.has(code))) return true;
  // An S3 error carries the store's status: any 5xx is the store's trouble, not ours.
  const status = $metadata?.httpStatusCode;
  if (typeof status === "number" && status >= 500) return true;
  if (STORAGE_UNAVAILABLE.has(error.name) || (typeof Code === "string" && STORAGE_UNAVAILABLE.has(Code))) return true;
  return POSTGRES_CONNECTION_MESSAGES.includes(error.message) || WORKERD_NETWORK_MESSAGES.includes(error.message);
}
