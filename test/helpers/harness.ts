import { afterAll, inject } from "vitest";
import { createApp } from "../../functions/app";
import { nodeWebSocket } from "../../lib/local/node-websocket";
import { jsonLogger, type LogRecord } from "../../lib/platform/log";
import { servicesFrom } from "../../lib/platform/services";
import { countingStorage, type StorageRead } from "./counting-storage";

export const ADMIN_TOKEN = "test-admin-token-0123456789";
export const PUBLIC_URL = "https://artifacts.example.test";

/** Settings of the run's stack, as the Worker would get them. */
export function settings(): Record<string, string> {
  return { ...inject("settings"), ADMIN_TOKEN, PUBLIC_URL };
}

/**
 * The app in-process, wired to the run's real PostgreSQL and S3 server; closed after the file.
 */
export function harness() {
  const built = servicesFrom(settings(), nodeWebSocket);
  // What each request costs: SQL statements and storage reads, recorded as they happen.
  const seen = { queries: [] as string[], reads: [] as StorageRead[] };
  const { services: real, close } = built.open(4, (query) => seen.queries.push(query));
  const storage = countingStorage(real.storage, (read) => seen.reads.push(read));
  // Quiet: what the app logs is kept in `logs` for assertions, not printed among the results.
  const logs: LogRecord[] = [];
  const services = { ...real, storage, log: jsonLogger((record) => logs.push(record)) };
  const app = createApp(async () => ({ services }));
  afterAll(close);
  return {
    app,
    services,
    db: services.db,
    storage: real.storage,
    logs,
    fetch: async (path: string, init?: RequestInit): Promise<Response> => app.request(path, init),
    /** Runs `fn` and returns the SQL statements and storage reads it caused. */
    async cost<T>(fn: () => Promise<T>) {
      seen.queries.length = 0;
      seen.reads.length = 0;
      const result = await fn();
      return { result, queries: [...seen.queries], reads: [...seen.reads] };
    },
  };
}

export const admin = { "PRIVATE-TOKEN": ADMIN_TOKEN };

export function json(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

let counter = 0;
/** A name no other test uses. */
export const unique = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;

/** A response's JSON body, typed by the test that reads it. */
export async function body<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
