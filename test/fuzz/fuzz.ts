import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import fc from "fast-check";

export { fc };

/** The run's seed, chosen (or taken from FUZZ_SEED) by test/fuzz/setup.ts. */
const seed = Number(process.env.FUZZ_SEED ?? 0);
/** With FUZZ_PATH (from a failure's report) and the same seed, fast-check replays that one counterexample. */
const path = process.env.FUZZ_PATH || undefined;
/** One generated case that has not settled by then is reported as a hang. */
const HANG_MS = 20_000;

/**
 * A synchronous endless loop blocks the thread that would time it out, so a watchdog thread
 * counts the cases: when the count stops moving for HANG_MS, it names the property and the
 * case (FUZZ_PATH replays it) and kills the process, which fails the run instead of hanging it.
 */
const progress = new Int32Array(new SharedArrayBuffer(4));
const current = new Uint8Array(new SharedArrayBuffer(512));
const watchdog = new Worker(
  String.raw`const { workerData: w } = require("node:worker_threads");
  const { writeSync } = require("node:fs");
  let last = -1, still = 0;
  setInterval(() => {
    const now = Atomics.load(w.progress, 0);
    if (now !== last || now === 0) { last = now; still = 0; return; }
    if (++still * 1000 < w.hangMs) return;
    const name = new TextDecoder().decode(w.current.slice()).replace(/\0+$/, "");
    writeSync(2, "fuzz: HANG in \"" + name + "\": case " + (now - 1) + " has run for " + w.hangMs / 1000 + " s; replay with FUZZ_SEED=" + w.seed + " FUZZ_PATH=" + (now - 1) + "\n");
    process.kill(process.pid, "SIGKILL");
  }, 1000);`,
  { eval: true, workerData: { progress, current, hangMs: HANG_MS, seed } },
);
watchdog.unref();
watchdog.on("error", (error) => console.error("fuzz: the watchdog failed", error));
/** A new thread starts only once this one's event loop turns: wait for it before the first case. */
const watching = new Promise((resolve) => watchdog.once("online", resolve));

/**
 * Runs `property` for `runs` generated cases, prints how many ran, and throws fast-check's
 * report (seed, path, shrunk counterexample) on a failure.
 */
export async function check<T>(
  name: string,
  runs: number,
  property: fc.IPropertyWithHooks<T> | fc.IAsyncPropertyWithHooks<T>,
): Promise<void> {
  await watching;
  current.fill(0);
  current.set(new TextEncoder().encode(name).subarray(0, current.length));
  Atomics.store(progress, 0, 0);
  const counted = (property as fc.IAsyncPropertyWithHooks<T>).beforeEach((previous) => {
    Atomics.add(progress, 0, 1);
    return previous();
  });
  const details = await fc.check(counted, { numRuns: runs, seed, path, timeout: HANG_MS });
  Atomics.store(progress, 0, 0);
  if (details.failed) {
    const cause =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(`${name}\n${fc.defaultReportMessage(details)}\nFailure: ${cause}`);
  }
  const line = `${name}\t${details.numRuns}\n`;
  if (process.env.FUZZ_COUNT_DIR) appendFileSync(join(process.env.FUZZ_COUNT_DIR, `${process.pid}.tsv`), line);
  console.log(`fuzz: ${details.numRuns} cases (${details.numSkips} skipped): ${name}, seed ${seed}`);
}
