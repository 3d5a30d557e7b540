import { type Config, parseConfig } from "./config";
import { configureNeonHttp, type Database, type DatabaseHandle, httpDatabase, openDatabase } from "./db";
import { consoleLogger, type Logger } from "./log";
import { S3Storage, type Storage, type StorageGet } from "./storage";

export type { Logger } from "./log";

/**
 * Where public files are kept between requests: the Workers Cache API (caches.default) with the
 * request's waitUntil on the Worker, memory on the Node entry (lib/platform/memory-edge-cache.ts).
 */
export interface EdgeCache {
  match(key: Request): Promise<Response | undefined>;
  put(key: Request, response: Response): Promise<void>;
  /** Lets `promise` finish after the answer has gone out (ExecutionContext#waitUntil). */
  waitUntil(promise: Promise<unknown>): void;
}

/** Everything a handler needs, built once per request by the entry (or handed in by a test). */
export interface Services {
  readonly config: Config;
  readonly db: Database;
  readonly storage: Storage;
  readonly now: () => Date;
  readonly log: Logger;
  /** Absent where nothing is kept (tests, EDGE_CACHE_BYTES=0): docs/downloads.md#edge-cache. */
  readonly edgeCache?: EdgeCache;
}

/** The configured storage; its reads' GETs by `get` (fetch unless given). */
export function createStorage(config: Config, get?: StorageGet): S3Storage {
  return new S3Storage({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    bucket: config.S3_BUCKET,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    timeoutMs: config.STORAGE_TIMEOUT_MS,
    get,
  });
}

/**
 * Services for one isolate or process: configuration validated once, storage client kept, and
 * per call of `open` a database pool (the Node entry's for the process, a test's), or per call of
 * `openHttp` the Worker's per-request database: statements over HTTP, a pool only for transactions.
 */
export function servicesFrom(source: Record<string, unknown>, webSocket?: typeof WebSocket, storageGet?: StorageGet) {
  const config = parseConfig(source);
  // The route goes with each pool, not into the driver's global settings: two sets of services
  // in one process (a test's, the bench's) may reach PostgreSQL by different bridges.
  const route = { wsProxy: config.DATABASE_WS_PROXY, webSocket };
  const storage = createStorage(config, storageGet);
  const opened = (database: DatabaseHandle) => ({
    services: { config, db: database.db, storage, now: () => new Date(), log: consoleLogger } satisfies Services,
    close: database.close,
  });
  let http: ReturnType<typeof httpDatabase> | undefined;
  return {
    config,
    open(maxConnections?: number, onQuery?: (query: string) => void) {
      return opened(
        openDatabase(config.DATABASE_URL, {
          max: maxConnections,
          onQuery,
          timeoutMs: config.DATABASE_TIMEOUT_MS,
          route,
        }),
      );
    },
    /** Services over a database opened elsewhere: the Node entry's over TCP (lib/platform/tcp-database.ts). */
    over(database: DatabaseHandle) {
      return opened(database);
    },
    openHttp() {
      if (!http) {
        configureNeonHttp(config.DATABASE_HTTP_PROXY);
        http = httpDatabase(config.DATABASE_URL, { timeoutMs: config.DATABASE_TIMEOUT_MS, route });
      }
      return opened(http.open());
    },
  };
}
