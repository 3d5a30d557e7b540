import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";

/**
 * Neon's SQL-over-HTTP endpoint (POST /sql), served in front of an ordinary PostgreSQL so the
 * Neon driver's `neon()` runs for real in development and tests, as the WebSocket bridge
 * (ws-proxy.ts) does for its Pool. It answers what the driver (@neondatabase/serverless 1.x,
 * `neon()`'s `execute`) sends and parses: the statement in the body, the connection string in
 * Neon-Connection-String, values as PostgreSQL's text (Neon-Raw-Text-Output, the driver parses
 * them by each field's dataTypeID), rows as arrays (Neon-Array-Mode); `{queries}` runs as one
 * transaction (Neon-Batch-Isolation-Level, -Read-Only, -Deferrable); a PostgreSQL error is 400
 * with its fields, which the driver copies onto NeonDbError. Loopback only, for the one server.
 */
export interface SqlOverHttp {
  /** http://127.0.0.1:port/sql, the value for neonConfig.fetchEndpoint (DATABASE_HTTP_PROXY). */
  readonly url: string;
  close(): Promise<void>;
}

/** Connections kept per connection string: enough for a test run's parallel files. */
const POOL_SIZE = 8;
/**
 * A statement PostgreSQL does not answer in this long is given up and its connection dropped, so
 * a stalled server cannot hold the pool for good (the driver's own fetch gives up sooner).
 */
const STATEMENT_TIMEOUT_MS = 60_000;
/** Largest request body read; the app's largest statement (an index batch) is far below it. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** The fields of a PostgreSQL error that Neon's endpoint sends back (the driver reads these names). */
const ERROR_FIELDS = [
  "severity",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

const ISOLATION_LEVELS: Record<string, string> = {
  ReadUncommitted: "read uncommitted",
  ReadCommitted: "read committed",
  RepeatableRead: "repeatable read",
  Serializable: "serializable",
};

interface Statement {
  query: string;
  params?: unknown[];
}

/** Every value as PostgreSQL's text: the driver parses it by the field's type, as Neon's endpoint expects. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

class BadRequest extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest("request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function statementsOf(body: unknown): { batch: boolean; statements: Statement[] } {
  const isStatement = (value: unknown): value is Statement =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as Statement).query === "string" &&
    ((value as Statement).params === undefined || Array.isArray((value as Statement).params));
  if (isStatement(body)) return { batch: false, statements: [body] };
  const queries = (body as { queries?: unknown })?.queries;
  if (Array.isArray(queries) && queries.every(isStatement)) return { batch: true, statements: queries };
  throw new BadRequest("expected {query, params} or {queries: [...]}");
}

async function run(client: pg.PoolClient, statement: Statement, arrayMode: boolean) {
  // Extended protocol always, as Neon's endpoint: one statement per query, parameters as text.
  const result = await client.query({
    text: statement.query,
    values: statement.params ?? [],
    rowMode: arrayMode ? "array" : undefined,
    types: RAW_TEXT,
    queryMode: "extended",
  } as pg.QueryArrayConfig);
  return {
    command: result.command,
    rowCount: result.rowCount,
    rows: result.rows,
    fields: result.fields,
    rowAsArray: arrayMode,
  };
}

function beginOf(headers: IncomingMessage["headers"]): string {
  const parts = ["begin"];
  const level = headers["neon-batch-isolation-level"];
  if (typeof level === "string") {
    const sql = ISOLATION_LEVELS[level];
    if (!sql) throw new BadRequest(`unknown isolation level ${level}`);
    parts.push(`isolation level ${sql}`);
  }
  if (headers["neon-batch-read-only"] === "true") parts.push("read only");
  if (headers["neon-batch-deferrable"] === "true") parts.push("deferrable");
  return parts.join(" ");
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Neon's 400 answer for a PostgreSQL error: its message and fields, so the driver raises NeonDbError with the SQLSTATE. */
function errorBody(error: pg.DatabaseError): Record<string, unknown> {
  const body: Record<string, unknown> = { message: error.message };
  for (const field of ERROR_FIELDS) if (error[field] !== undefined) body[field] = error[field];
  return body;
}

export async function startSqlOverHttp(target: { host: string; port: number }, port = 0): Promise<SqlOverHttp> {
  const pools = new Map<string, pg.Pool>();
  const allowed = new Set([target.host, "localhost", "127.0.0.1"]);

  // The connection string names the database, user and password; only the configured server is reachable.
  const poolFor = (connectionString: string): pg.Pool => {
    let pool = pools.get(connectionString);
    if (pool) return pool;
    let url: URL;
    try {
      url = new URL(connectionString);
    } catch {
      throw new BadRequest("Neon-Connection-String is not a URL");
    }
    if (!allowed.has(url.hostname) || Number(url.port || 5432) !== target.port)
      throw new BadRequest("address not allowed");
    pool = new pg.Pool({
      connectionString,
      host: target.host,
      port: target.port,
      max: POOL_SIZE,
      connectionTimeoutMillis: STATEMENT_TIMEOUT_MS,
      query_timeout: STATEMENT_TIMEOUT_MS,
    });
    // An idle connection that breaks is dropped by the pool, which then emits "error".
    pool.on("error", () => {});
    pools.set(connectionString, pool);
    return pool;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "POST" || new URL(req.url ?? "/", "http://x").pathname !== "/sql") {
      send(res, 404, { message: "POST /sql only" });
      return;
    }
    const connectionString = req.headers["neon-connection-string"];
    if (typeof connectionString !== "string") throw new BadRequest("missing Neon-Connection-String");
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readBody(req));
    } catch (error) {
      throw error instanceof BadRequest ? error : new BadRequest("body is not JSON");
    }
    const { batch, statements } = statementsOf(parsed);
    const arrayMode = req.headers["neon-array-mode"] === "true";
    const client = await poolFor(connectionString).connect();
    let broken: Error | undefined;
    try {
      if (!batch) {
        send(res, 200, await run(client, statements[0] as Statement, arrayMode));
        return;
      }
      await client.query(beginOf(req.headers));
      try {
        const results = [];
        for (const statement of statements) results.push(await run(client, statement, arrayMode));
        await client.query("commit");
        send(res, 200, { results });
      } catch (error) {
        await client.query("rollback").catch((rollback: Error) => {
          broken = rollback;
        });
        throw error;
      }
    } catch (error) {
      // A connection that failed outside PostgreSQL's own error reply is not handed out again.
      if (!(error instanceof pg.DatabaseError)) broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
      } else if (error instanceof pg.DatabaseError) {
        send(res, 400, errorBody(error));
      } else if (error instanceof BadRequest) {
        send(res, 400, { message: error.message });
      } else {
        // PostgreSQL is unreachable (refused, reset, gone): the driver reports the status.
        send(res, 502, { message: `could not reach PostgreSQL: ${(error as Error)?.message ?? error}` });
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/sql`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...pools.values()].map((pool) => pool.end()));
    },
  };
}
