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
  const db: Database = drizzle({ client: pool, schema, casing: "snake_case", logger: queryLogger(options) });
  return { db, close: () => pool.end() };
}
