import { createHash } from "node:crypto";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "../../schema";
import {
  DATABASE_TIMEOUT_MS,
  type Database,
  type DatabaseHandle,
  type DatabaseOptions,
  guardPool,
  queryLogger,
} from "./db";

/**
 * Statement texts the Node entry's pool prepares (named statements: PostgreSQL parses and plans
 * each once per connection, then only binds and runs it). The download lookup's plan cost
 * PostgreSQL about 0.6 ms a request against 0.1 ms to run it. A text is prepared from its
 * PREPARE_AFTER-th run, and never more than this many texts, so a server that runs statements of
 * ever new texts (lists of varying length) holds a bounded number of them on every connection.
 */
export const MAX_PREPARED_STATEMENTS = 64;
/** Runs of one text before it is prepared: one-off statements stay unnamed. */
export const PREPARE_AFTER = 2;
/** Texts whose runs are counted, at most; past it the count starts over. */
const COUNTED_TEXTS = 1024;

/**
 * Names the texts run often, as pgJDBC's prepareThreshold does: node-postgres prepares a named
 * statement on a connection's first run of it, and reuses it after (still one round trip each).
 */
function statementNamer() {
  const names = new Map<string, string>();
  const runs = new Map<string, number>();
  return (text: string): string | undefined => {
    const known = names.get(text);
    if (known || names.size >= MAX_PREPARED_STATEMENTS) return known;
    const count = (runs.get(text) ?? 0) + 1;
    if (count < PREPARE_AFTER) {
      if (runs.size >= COUNTED_TEXTS) runs.clear();
      runs.set(text, count);
      return undefined;
    }
    runs.delete(text);
    const name = `ae_${createHash("sha256").update(text).digest("hex").slice(0, 32)}`;
    names.set(text, name);
    return name;
  };
}

type QueryConfig = { text?: unknown; name?: unknown };

/** The pool's statements outside transactions (Drizzle's `db.execute`, selects, ...) named by `name`. */
function prepareOften(pool: pg.Pool): void {
  const name = statementNamer();
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as { query: unknown }).query = (config: unknown, ...rest: unknown[]) => {
    const statement = config as QueryConfig | null;
    if (statement && typeof statement === "object" && typeof statement.text === "string" && !statement.name) {
      const named = name(statement.text);
      if (named) return query({ ...statement, name: named }, ...rest);
    }
    return query(config, ...rest);
  };
}

/**
 * The Node entry's database: node-postgres over TCP, straight to PostgreSQL (Neon takes plain
 * TCP with TLS too: `sslmode=require` in DATABASE_URL). No WebSocket framing and no bridge on
 * the way, which cost a 302 most of its time on Node (docs/performance.md). Node only: the
 * Worker has no TCP sockets for pg and keeps the Neon driver (lib/platform/db.ts).
 */
export function openTcpDatabase(url: string, options: Omit<DatabaseOptions, "route"> = {}): DatabaseHandle {
  const timeout = options.timeoutMs ?? DATABASE_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: timeout,
    query_timeout: timeout,
  });
  // The Neon driver bundles this same node-postgres: its Pool's events and clients are these.
  guardPool(pool as unknown as Parameters<typeof guardPool>[0]);
  prepareOften(pool);
  const db: Database = drizzle({ client: pool, schema, casing: "snake_case", logger: queryLogger(options) });
  return { db, close: () => pool.end() };
}
