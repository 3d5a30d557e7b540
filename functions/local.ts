import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { newToken } from "../lib/auth/tokens";
import { demoBanner, loadOrSeedDemo } from "../lib/local/seed";
import { StackError, startStack } from "../lib/local/stack";
import { startLocalWorker } from "../lib/local/worker";
import { ConfigError, configSchema, nodeSchema, parseConfig, parseSettings } from "../lib/platform/config";

/**
 * `npm start`: the Worker in workerd on http://localhost:8787 with everything it needs. Embedded
 * PostgreSQL and a local S3 server under DATA_DIR unless DATABASE_URL / S3_ENDPOINT name real
 * ones; migrations applied; a demo seeded on first start. Ctrl-C stops it all.
 */
const env = process.env;
const dataDir = resolve(env.DATA_DIR ?? ".data");

function fail(message: string): never {
  console.error(`artifact-edge: ${message}`);
  process.exit(1);
}

async function portIsFree(wanted: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once("error", () => done(false));
    probe.listen(wanted, "127.0.0.1", () => probe.close(() => done(true)));
  });
}

/** A secret kept under DATA_DIR so a second start reuses it. */
function remembered(file: string, make: () => string): string {
  const path = join(dataDir, file);
  if (existsSync(path)) return readFileSync(path, "utf8").trim();
  const value = make();
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return value;
}

/** A real S3-compatible store when S3_ENDPOINT names one, its settings checked by the service's own rules. */
const externalS3 = configSchema
  .pick({ S3_ENDPOINT: true, S3_REGION: true, S3_BUCKET: true, S3_ACCESS_KEY_ID: true, S3_SECRET_ACCESS_KEY: true })
  .required({ S3_ENDPOINT: true });

/** What must hold before anything starts; ConfigError names every setting that does not. */
function startSettings() {
  const { PORT: port } = parseSettings(nodeSchema.pick({ PORT: true }), env);
  if (!env.S3_ENDPOINT) return { port, s3: undefined };
  const s3 = parseSettings(externalS3, env);
  return {
    port,
    s3: {
      endpoint: s3.S3_ENDPOINT,
      region: s3.S3_REGION,
      bucket: s3.S3_BUCKET,
      accessKeyId: s3.S3_ACCESS_KEY_ID,
      secretAccessKey: s3.S3_SECRET_ACCESS_KEY,
    },
  };
}

async function main() {
  let start: ReturnType<typeof startSettings>;
  try {
    start = startSettings();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const { port, s3 } = start;
  if (!(await portIsFree(port))) fail(`port ${port} is already in use; stop what uses it or set PORT`);
  mkdirSync(dataDir, { recursive: true });

  console.log("artifact-edge: starting services...");
  const stack = await startStack({
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    databaseName: env.DATABASE_URL ? undefined : "artifact_edge",
    s3,
    log: (line) => console.error(line),
  });
  const adminToken = env.ADMIN_TOKEN || remembered("admin-token", () => newToken("admin-"));
  const baseUrl = `http://localhost:${port}`;
  // Every other setting of docs/configuration.md (PRESIGN_WINDOW, PROXY_DOWNLOAD, the limits and
  // timeouts...) goes to the Worker as the environment gives it.
  const tuned = Object.keys(configSchema.shape).filter((name) => env[name] && !(name in stack.settings));
  const settings: Record<string, string> = {
    ...Object.fromEntries(tuned.map((name) => [name, env[name] as string])),
    ...stack.settings,
    ADMIN_TOKEN: adminToken,
    PUBLIC_URL: env.PUBLIC_URL ?? baseUrl,
  };
  try {
    parseConfig(settings);
  } catch (error) {
    await stack.stop();
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }

  const worker = await startLocalWorker({ settings, port, persistTo: join(dataDir, "wrangler"), logLevel: "info" });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log("\nartifact-edge: stopping...");
    await worker.dispose().catch(() => {});
    await stack.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const demoFile = join(dataDir, "demo.json");
  if (!existsSync(demoFile)) console.log("artifact-edge: seeding the demo (first start)...");
  const demo = await loadOrSeedDemo(demoFile, worker.url.toString(), adminToken);

  console.log(`
artifact-edge is running at ${baseUrl} (the Worker in workerd)
  PostgreSQL  ${stack.embeddedPostgres ? `embedded, data in ${join(dataDir, "postgres")}` : "DATABASE_URL"}
  S3          ${stack.embeddedS3 ? `local s3rver at ${settings.S3_ENDPOINT}, objects in ${join(dataDir, "s3")}` : settings.S3_ENDPOINT}
  Admin token ${adminToken}${env.ADMIN_TOKEN ? " (from ADMIN_TOKEN)" : ` (kept in ${join(dataDir, "admin-token")})`}

${demoBanner(baseUrl, demo)}

Ctrl-C stops everything; the data stays in ${dataDir}.`);
}

main().catch((error) => {
  if (error instanceof StackError) fail(error.message);
  console.error(error);
  process.exit(1);
});
