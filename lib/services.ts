import type { Config } from "./config";
import type { Database } from "./db";
import type { Storage } from "./storage";

export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
}

/** Everything a handler needs, built once per request by the entry (or handed in by a test). */
export interface Services {
  readonly config: Config;
  readonly db: Database;
  readonly storage: Storage;
  readonly now: () => Date;
  readonly log: Logger;
}

export const consoleLogger: Logger = {
  error: (message, fields) => console.error(JSON.stringify({ level: "error", message, ...fields })),
  info: (message, fields) => console.log(JSON.stringify({ level: "info", message, ...fields })),
};
