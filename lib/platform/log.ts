import { DrizzleQueryError } from "drizzle-orm";

export type LogFields = Record<string, unknown>;

/** What lib/ code logs through: one JSON record per event, fields bound by the caller's scope. */
export interface Logger {
  error(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
}

export interface LogRecord extends LogFields {
  readonly level: "error" | "info";
  readonly message: string;
}

/** One link of an error's cause chain, as much as is safe to write down. */
export interface CauseLink {
  readonly name: string;
  readonly message: string;
  /** PostgreSQL's SQLSTATE ("3D000"), Node's errno name ("ECONNREFUSED"), an S3 error code. */
  readonly code?: string;
  /** The HTTP status an S3-compatible store answered. */
  readonly status?: number;
}

const MAX_CAUSES = 6;
const MAX_MESSAGE = 300;
const MAX_FRAMES = 8;
/** Characters of one serialized record: journald and Workers Logs split or drop longer lines. */
export const MAX_RECORD_CHARS = 8192;
/** Characters of one field's serialized value in a record that was over MAX_RECORD_CHARS. */
const MAX_FIELD_CHARS = 1024;

/** A presigned URL's query is its signature; a GitLab token is a credential. */
function redact(text: string): string {
  return text
    .replace(/(https?:\/\/[^\s?#"']*)\?[^\s"']*/gi, "$1?[redacted]")
    .replace(/\b(glpat|glcbt)-[\w-]+/g, "$1-[redacted]")
    .slice(0, MAX_MESSAGE);
}

/** A thrown value that is no Error: a WebSocket's ErrorEvent (the Neon driver on Workers) says what it is by its class. */
function notAnError(value: unknown): CauseLink {
  const { message } = (value ?? {}) as { message?: unknown };
  if (value instanceof Object && typeof message === "string")
    return { name: value.constructor.name, message: redact(message) };
  return { name: typeof value, message: redact(String(value)) };
}

function link(error: unknown): CauseLink {
  if (!(error instanceof Error)) return notAnError(error);
  // Drizzle's message carries the statement and its parameters (token digests among them).
  const message = error instanceof DrizzleQueryError ? "Failed query" : redact(error.message);
  // Drizzle's error and the PostgreSQL driver's name themselves only by their class.
  const name = error instanceof DrizzleQueryError || /^error$/i.test(error.name) ? error.constructor.name : error.name;
  const { code, Code, $metadata } = error as {
    code?: unknown;
    Code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const found = [code, Code].find((value) => typeof value === "string" || typeof value === "number");
  const status = $metadata?.httpStatusCode;
  return {
    name,
    message,
    ...(found === undefined ? {} : { code: String(found) }),
    ...(typeof status === "number" ? { status } : {}),
  };
}

/** The error and what caused it (Drizzle → PostgreSQL, AWS SDK → Node socket), outermost first. */
export function causeChain(error: unknown): CauseLink[] {
  const chain: CauseLink[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < MAX_CAUSES) {
    chain.push(link(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

/** Where the error was thrown: the stack's frames only, since its first line repeats the message. */
export function stackFrames(error: unknown): string[] | undefined {
  if (!(error instanceof Error) || !error.stack) return undefined;
  const frames = error.stack
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("at "));
  return frames.slice(0, MAX_FRAMES);
}

/** Errors become their cause chain and bigints strings, so a record always serializes. */
function safe(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? causeChain(value) : typeof value === "bigint" ? String(value) : value;
  }
  return out;
}

function serializedLength(value: unknown): number {
  return JSON.stringify(value)?.length ?? 0;
}

/**
 * A record over MAX_RECORD_CHARS keeps its level, a shortened message and its small fields; a
 * large field becomes its size, and if the record is still too long only the marker remains.
 */
function bounded(record: LogRecord): LogRecord {
  const size = serializedLength(record);
  if (size <= MAX_RECORD_CHARS) return record;
  const { level, message, ...fields } = record;
  const kept: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    const length = serializedLength(value);
    kept[key.slice(0, MAX_MESSAGE)] = length <= MAX_FIELD_CHARS ? value : `[${length} chars omitted]`;
  }
  const short = { level, message: message.slice(0, MAX_MESSAGE), truncated: size };
  const shortened: LogRecord = { ...kept, ...short };
  return serializedLength(shortened) <= MAX_RECORD_CHARS ? shortened : short;
}

/** A logger handing each record, its bound fields included and bounded in size, to `write`. */
export function jsonLogger(write: (record: LogRecord) => void): Logger {
  return {
    error: (message, fields = {}) => write(bounded({ level: "error", message, ...safe(fields) })),
    info: (message, fields = {}) => write(bounded({ level: "info", message, ...safe(fields) })),
  };
}

/** The same logger with `bound` on every record (Unkey's init.ts binds the request id this way). */
export function logWith(log: Logger, bound: LogFields): Logger {
  return {
    error: (message, fields) => log.error(message, { ...bound, ...fields }),
    info: (message, fields) => log.info(message, { ...bound, ...fields }),
  };
}

/** One JSON line per event: errors to stderr, the rest to stdout (Workers Logs and journald read both). */
export const consoleLogger: Logger = jsonLogger((record) =>
  (record.level === "error" ? console.error : console.log)(JSON.stringify(record)),
);
