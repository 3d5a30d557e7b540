import { serve } from "@hono/node-server";
import WebSocket from "ws";
import { ConfigError } from "../lib/platform/config";
import { servicesFrom } from "../lib/platform/services";
import { runCleanup } from "../lib/retention/cleanup";
import { createApp } from "./app";

/**
 * The Node entry: the same app for self-hosting and benchmarks, one database pool for the
 * process. `PORT` (default 8787) and the settings in the README come from the environment.
 */
function main() {
  let built: ReturnType<typeof servicesFrom>;
  try {
    built = servicesFrom(process.env, WebSocket as unknown as typeof globalThis.WebSocket);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`artifact-edge: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const { services, close } = built.open(10);
  const app = createApp(async () => ({ services }));
  const port = Number(process.env.PORT ?? 8787);
  const server = serve({ fetch: app.fetch, port }, (info) => {
    console.log(`artifact-edge listening on http://localhost:${info.port}`);
  });
  server.on("error", (error: NodeJS.ErrnoException) => {
    console.error(error.code === "EADDRINUSE" ? `artifact-edge: port ${port} is already in use` : error);
    process.exit(1);
  });
  // The Worker's Cron Trigger, on Node: one cleanup pass every CLEANUP_INTERVAL seconds.
  const interval = Number(process.env.CLEANUP_INTERVAL ?? 420) * 1000;
  const timer = setInterval(() => {
    runCleanup(services).catch((error) => services.log.error("artifact cleanup failed", { cause: String(error) }));
  }, interval);
  timer.unref();
  const stop = () => {
    clearInterval(timer);
    server.close(() => void close().then(() => process.exit(0)));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main();
