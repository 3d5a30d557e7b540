import { appendFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";

export { fc };

/** The run's seed, chosen (or taken from FUZZ_SEED) by test/fuzz/setup.ts. */
const seed = Number(process.env.FUZZ_SEED ?? 0);
/** With FUZZ_PATH (from a failure's report) and the same seed, fast-check replays that one counterexample. */
const path = process.env.FUZZ_PATH || undefined;
/** One generated case that has not settled by then is reported as a hang. */
const HANG_MS = 20_000;

/**
 * Runs `property` for `runs` generated cases, prints how many ran, and throws fast-check's
 * report (seed, path, shrunk counterexample) on a failure.
 */
export async function check<T>(
  name: string,
  runs: number,
  property: fc.IProperty<T> | fc.IAsyncProperty<T>,
): Promise<void> {
  const details = await fc.check(property as fc.IAsyncProperty<T>, { numRuns: runs, seed, path, timeout: HANG_MS });
  if (details.failed) {
    const cause =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(`${name}\n${fc.defaultReportMessage(details)}\nFailure: ${cause}`);
  }
  const line = `${name}\t${details.numRuns}\n`;
  if (process.env.FUZZ_COUNT_DIR) appendFileSync(join(process.env.FUZZ_COUNT_DIR, `${process.pid}.tsv`), line);
  console.log(`fuzz: ${details.numRuns} cases (${details.numSkips} skipped): ${name}, seed ${seed}`);
}
