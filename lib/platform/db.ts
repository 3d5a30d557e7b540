import { neonConfig, Pool } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import * as schema from "../../schema";

export type Database = ReturnType<typeof drizzle<typeof schema>>;

export interface DatabaseHandle {
  readonly db: Database;
  close(): Promise<void>;
}

/**
 * Routes the Neon driver through a WebSocket-to-TCP bridge when one is configured (any
 * PostgreSQL that is not Neon). This combination of settings is the one checked to work from
 * Node and from workerd: plain ws://, no TLS inside the socket, no pipelined connect.
 */
export function configureNeon(
  options: { wsProxy?: string; webSocket?: typeof WebSocket },
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

/**
 * A pool over the Neon serverless driver. On Workers one is made per request (sockets cannot
 * outlive it) and closed after the response; the Node entry keeps one for the process.
 */
export function openDatabase(url: string, max = 10, onQuery?: (query: string) => void): DatabaseHandle {
  const pool = new Pool({ connectionString: url, max });
  const logger = onQuery ? { logQuery: (query: string) => onQuery(query) } : undefined;
  return {
    db: drizzle({ client: pool, schema, casing: "snake_case", logger }),
    close: () => pool.end(),
  };
}
