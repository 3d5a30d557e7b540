import { migrateDatabase } from "../lib/local/migrate";
import { nodeWebSocket } from "../lib/local/node-websocket";
import { configureNeon } from "../lib/platform/db";

/**
 * `npm run db:migrate`: applies schema/migrations to DATABASE_URL (Neon, or any PostgreSQL
 * through DATABASE_WS_PROXY), with the same driver the Worker uses. Nothing else is touched.
 */
async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("artifact-edge: DATABASE_URL is not set");
    process.exit(1);
  }
  configureNeon({
    wsProxy: process.env.DATABASE_WS_PROXY || undefined,
    webSocket: nodeWebSocket,
  });
  await migrateDatabase(url);
  console.log("artifact-edge: migrations applied");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
