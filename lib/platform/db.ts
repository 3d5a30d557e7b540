import { Client, neon, neonConfig, Pool, type PoolClient } from "@neondatabase/serverless";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import { drizzle as drizzleHttp } from "drizzle-orm/neon-http";
import { drizzle } from "drizzle-orm/neon-serverless";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "../../schema";

/**
 * What a raw `execute` answers on both of the driver's paths: node-postgres' result over the
 * WebSocket, Neon's full result over HTTP (Drizzle's neon-http asks for `fullResults`).
 */
interface QueryResultHKT extends PgQueryResultHKT {
  readonly type: RawResult<this["row"]>;
}
type RawResult<Row> = { rows: Row[]; rowCount: number | null };

/** Drizzle over either path of the Neon driver: a pool over WebSocket, or HTTP for statements. */
export type Database = PgDatabase<QueryResultHKT, typeof schema, ExtractTablesWithRelations<typeof schema>>;

/** The pool's own Drizzle, which Drizzle's migrator takes; a Database everywhere else. */
export type PoolDatabase = ReturnType<typeof drizzle<typeof schema>>;

export interface DatabaseHandle<D extends Database = Database> {
  readonly db: D;
  close(): Promise<void>;
}

/**
 * Milliseconds PostgreSQL gets to hand over a connection (a free one of the pool, or a new one:
 * WebSocket, TLS, authentication) and, separately, to answer each query. Past either the call
 * fails and the request is answered 503 (lib/platform/unavailable.ts). Neon wakes a suspended
 * compute in well under this. Setting: DATABASE_TIMEOUT_MS.
 */
export const DATABASE_TIMEOUT_MS = 15_000;

/** How the driver reaches PostgreSQL: a WebSocket-to-TCP bridge, and the WebSocket class to use. */
export interface DatabaseRoute {
  readonly wsProxy?: string;
  readonly webSocket?: typeof WebSocket;
}

/**
 * Routes the Neon driver through a WebSocket-to-TCP bridge when one is configured (any
 * PostgreSQL that is not Neon). This combination of settings is the one checked to work from
 * Node and from workerd: plain ws://, no TLS inside the socket, no pipelined connect.
 */
export function configureNeon(
  options: DatabaseRoute,
  // The driver's global settings, or one Client's own (client.neonConfig).
  target: Pick<
    typeof neonConfig,
    "webSocketConstructor" | "wsProxy" | "useSecureWebSocket" | "pipelineTLS" | "pipelineConnect"
  > = neonConfig,
): void {
  if (options.webSocket) target.webSocketConstructor = options.webSocket;
  if (options.wsProxy) {
    const proxy = options.wsProxy.includes("/") ? options.wsProxy : `${options.wsProxy}/v1`;
    target.wsProxy = (host, port) => `${proxy}?address=${host}:${port}`;
    target.useSecureWebSocket = false;
    target.pipelineTLS = false;
    target.pipelineConnect = false;
  }
}

/** node-postgres' Client under the pool's type, which leaves these out. */
type PooledConnection = PoolClient & { readyForQuery?: boolean; end(): Promise<void> };

/**
 * node-postgres gives up on a query after `query_timeout` but leaves it the connection's active
 * query, and Drizzle hands a transaction's connection back without an error even when its
 * ROLLBACK failed: such a connection would go back to the pool and fail every later query. One
 * that is not ready for a query when it comes back is ended instead (`end` marks it ending at
 * once, so the pool drops it rather than keeping it).
 */
function dropStuck(error: Error | undefined, client: PoolClient): void {
  const connection = client as PooledConnection;
  // A connection released with an error is dropped by the pool itself.
  if (!error && !connection.readyForQuery) connection.end().catch(() => {});
}

const isBegin = (query: unknown) =>
  /^\s*begin\b/i.test(typeof query === "string" ? query : (((query as { text?: unknown })?.text as string) ?? ""));

/**
 * Two guards on each new connection. Drizzle's pooled transaction runs BEGIN before the
 * try/finally that releases its connection (drizzle-orm#6241, open in 0.45): a BEGIN that fails
 * on a dead or stalled connection would keep it out of the pool for good, and a few such
 * failures leave the pool empty. Such a connection is released here, with its error, so the
 * pool ends it (only Drizzle's transactions send BEGIN: nothing else releases that connection,
 * so it is released once). And a checked-out connection that breaks emits "error" after failing its
 * queries; the pool listens only to idle ones, so without a listener that would end the process.
 */
function guardConnection(client: PoolClient): void {
  client.on("error", () => {});
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const result = query(...args);
    if (!(result instanceof Promise) || !isBegin(args[0])) return result;
    return result.catch((error: unknown) => {
      client.release(error instanceof Error ? error : true);
      throw error;
    });
  };
}

/** Connections that carry their route, so two pools in one process may reach different bridges. */
function routedClient(route: DatabaseRoute): typeof Client {
  return class RoutedClient extends Client {
    constructor(config?: ConstructorParameters<typeof Client>[0]) {
      super(config);
      configureNeon(route, this.neonConfig);
    }
  };
}

export interface DatabaseOptions {
  readonly max?: number;
  readonly onQuery?: (query: string) => void;
  /** DATABASE_TIMEOUT_MS unless given. */
  readonly timeoutMs?: number;
  /** This pool's own route; without one, the driver's global settings (configureNeon). */
  readonly route?: DatabaseRoute;
}

/**
 * A pool over the Neon serverless driver. On Workers one is made per request (sockets cannot
 * outlive it) and closed after the response; the Node entry keeps one for the process.
 */
export function openDatabase(url: string, options: DatabaseOptions = {}): DatabaseHandle<PoolDatabase> {
  const timeout = options.timeoutMs ?? DATABASE_TIMEOUT_MS;
  const pool = new Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: timeout,
    query_timeout: timeout,
  });
  if (options.route) pool.Client = routedClient(options.route);
  guardPool(pool);
  return {
    db: drizzle({ client: pool, schema, casing: "snake_case", logger: queryLogger(options) }),
    close: () => pool.end(),
  };
}

/** The pool's listeners, the same for node-postgres' own Pool (lib/platform/tcp-database.ts). */
export function guardPool(pool: Pick<Pool, "on">): void {
  pool.on("connect", guardConnection);
  pool.on("release", dropStuck);
  // An idle connection that breaks (PostgreSQL restarted, the network dropped it) is removed by
  // the pool, which then emits "error": without a listener that would end the process.
  pool.on("error", () => {});
}

/** Drizzle's logger for `onQuery`, if any. */
export function queryLogger({ onQuery }: Pick<DatabaseOptions, "onQuery">) {
  return onQuery ? { logQuery: (query: string) => onQuery(query) } : undefined;
}

/**
 * Where `neon()` sends its statements: Neon's own endpoint by default, or a SQL-over-HTTP server
 * in front of another PostgreSQL (DATABASE_HTTP_PROXY, lib/local/sql-over-http.ts). The driver
 * reads this from its global settings only; one isolate or process serves one configuration.
 */
export function configureNeonHttp(endpoint: string | undefined): void {
  if (endpoint) neonConfig.fetchEndpoint = endpoint;
}

/**
 * Statements over HTTP, transactions over a pool: the Worker's database. Each statement is one
 * fetch (no connection to open, nothing left open after the response); `transaction` opens a
 * pool of one WebSocket connection on first use, for `open`'s caller to close with the handle.
 * Made once per isolate; `open` is per request.
 */
export function httpDatabase(url: string, options: Omit<DatabaseOptions, "max"> = {}) {
  const timeoutMs = options.timeoutMs ?? DATABASE_TIMEOUT_MS;
  const sql = neon(url);
  // Each statement's fetch is bounded by DATABASE_TIMEOUT_MS, as the pool bounds its queries.
  const bounded = (query: string, params?: unknown[], opts?: Parameters<typeof sql.query>[2]) =>
    sql.query(query, params, {
      ...opts,
      fetchOptions: { ...opts?.fetchOptions, signal: AbortSignal.timeout(timeoutMs) },
    });
  const client = Object.assign(bounded, { query: bounded, transaction: sql.transaction }) as unknown as typeof sql;
  const statements: Database = drizzleHttp({ client, schema, casing: "snake_case", logger: queryLogger(options) });
  return {
    open(): DatabaseHandle {
      let pool: DatabaseHandle<PoolDatabase> | undefined;
      const transaction: Database["transaction"] = (run, config) => {
        pool ??= openDatabase(url, { ...options, max: 1 });
        return pool.db.transaction(run, config);
      };
      // The statements' Drizzle with a transaction of its own: everything else is shared.
      const db: Database = Object.assign(Object.create(statements) as Database, { transaction });
      return { db, close: async () => pool?.close() };
    },
  };
}
