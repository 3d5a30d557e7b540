import { dropTimedOutJobs } from "./ci/timeouts";
import type { Database } from "./platform/db";
import type { Logger } from "./platform/services";
import type { Storage } from "./platform/storage";
import { type CleanupResult, runCleanup } from "./retention/cleanup";

/**
 * The Cron Trigger's pass (every CLEANUP_INTERVAL seconds on Node): jobs past their timeout fail
 * first, so their pipelines settle, then the artifact cleanup runs.
 */
export async function runScheduled(services: {
  db: Database;
  storage: Storage;
  log: Logger;
  now: () => Date;
}): Promise<CleanupResult> {
  await dropTimedOutJobs(services);
  return runCleanup(services);
}
