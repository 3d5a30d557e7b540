import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/neon-serverless/migrator";
import { openDatabase } from "../platform/db";

/** drizzle-kit's SQL migrations; read from disk, so this module is for Node only. */
export const MIGRATIONS = fileURLToPath(new URL("../../schema/migrations", import.meta.url));

/** Applies the migrations not yet applied (drizzle's journal table makes it idempotent). */
export async function migrateDatabase(url: string): Promise<void> {
  const database = openDatabase(url, { max: 1 });
  try {
    await migrate(database.db, { migrationsFolder: MIGRATIONS });
  } finally {
    await database.close();
  }
}
