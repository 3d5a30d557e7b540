import { serve } from "@hono/node-server";
import { nodeWebSocket } from "../lib/local/node-websocket";
import { ConfigError, nodeSchema, parseSettings } from "../lib/platform/config";
import { consoleLogger } from "../lib/platform/log";
import { memoryEdgeCache } from "../lib/platform/memory-edge-cache";
import { nodeStorageGet } from "../lib/platform/node-storage-get";
import { servicesFrom } from "../lib/platform/services";
import { openTcpDatabase } from "../lib/platform/tcp-database";
import { runScheduled } from "../lib/scheduled";
import { createApp } from "./app";

/** Validates the Node entry's settings and the service's together, so one start names every problem. */
function settingsOf(env: Record<string, unknown>) {
  const problems: string[] = [];
  const attempt = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
      return undefined;
    }
  };
  const node = attempt(() => parseSettings(nodeSchema, env));
  const built = attempt(() => servicesFrom(env, nodeWebSocket, nodeStorageGet));
  if (!node || !built) {
    consoleLogger.error(problems.join("; "));
    process.exit(1);
  }
  return { node, built };
}

/**
 * The Node entry: the same app for self-hosting and benchmarks, one database pool for the
 * process, over TCP, and storage reads through node:http. `PORT` (default 8787), `CLEANUP_INTERVAL` and the settings in the README come from
 * the environment. Public files are kept in memory (EDGE_CACHE_BYTES), as the Worker keeps them in
 * the Cache API. It logs one JSON line per event, as the Worker does.
 */
function main() {
  const { node, built } = settingsOf(process.env);
  // node-postgres over TCP, straight to PostgreSQL: DATABASE_WS_PROXY is for the Worker's driver.
  const { services: shared, close } = built.over(
    openTcpDatabase(built.config.DATABASE_URL, { max: 10, timeoutMs: built.config.DATABASE_TIMEOUT_MS }),
  );
  // Public files kept in memory, as the Worker keeps them in the Cache API.
  const edgeCache = node.EDGE_CACHE_BYTES > 0 ? memoryEdgeCache(node.EDGE_CACHE_BYTES) : undefined;
  const services = { ...shared, edgeCache };
  const app = createApp(async () => ({ services }));
  const server = serve({ fetch: app.fetch, port: node.PORT }, (info) => {
    consoleLogger.info("artifact-edge listening", { url: `http://localhost:${info.port}` });
  });
  server.on("error", (error: NodeJS.ErrnoException) => {
    consoleLogger.error(error.code === "EADDRINUSE" ? `port ${node.PORT} is already in use` : "server failed", {
      cause: error,
    });
    process.exit(1);
  });
  // The Worker's Cron Trigger, on Node: one scheduled pass every CLEANUP_INTERVAL seconds.
  const timer = setInterval(() => {
    runScheduled(services).catch((error) => services.log.error("scheduled pass failed", { cause: error }));
  }, node.CLEANUP_INTERVAL * 1000);
  timer.unref();
  const stop = () => {
    clearInterval(timer);
    server.close(() => void close().then(() => process.exit(0)));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main();
