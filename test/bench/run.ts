/**
 * `npm run bench`: writes docs/performance.md and docs/performance.svg (test/bench/report.ts).
 *   1. one entry out of a remote zip, side by side with unzipit, zip.js and whole download + fflate,
 *      through a counting, latency-injecting proxy in front of s3rver (side-by-side.ts);
 *   2. HTTP load with autocannon on the Node entry and on the Worker in workerd, and their memory
 *      (http-load.ts);
 *   3. the upload of a 70,000-entry archive against a same-size two-entry one (index-upload.ts);
 *   4. in-process: per-request SQL and storage reads, one large entry streamed (in-process.ts).
 * Against the real local stack (TEST_DATABASE_URL or embedded PostgreSQL, and s3rver); loopback
 * only; every part is bounded in count and time. A part that fails is named on the page, and the
 * run exits 1. Knobs: BENCH_QUICK=1 (a short run to check the bench), BENCH_PARTS (default
 * "side,load,upload,in-process": the parts to run; the page marks the others not measured),
 * BENCH_ROUNDS, BENCH_LARGE_MB, BENCH_LOAD_SECONDS, BENCH_MEMORY_SECONDS, BENCH_UPLOAD_ROUNDS,
 * BENCH_ENTRY_MB, BENCH_REQUESTS.
 */
import { ADMIN_TOKEN } from "../helpers/harness";
import { scratchStack } from "../helpers/scratch-stack";
import { makeFixtures } from "../soak/fixtures";
import { startNode, startPlainWorkerd, startWorkerd, type Target } from "../soak/targets";
import { chartSvg } from "./chart";
import { type LoadFigures, loadRuntime, type MemoryFigures } from "./http-load";
import { type Figure, inProcess } from "./in-process";
import { load, writePage } from "./report";
import { scenarios } from "./scenarios";
import { type Measured, sideBySide } from "./side-by-side";
import { startStorageProcess } from "./storage-process";
import { type UploadFigures, uploadComparison } from "./upload";

const QUICK = process.env.BENCH_QUICK === "1";
const knob = (name: string, full: number, quick: number) => Number(process.env[name] ?? (QUICK ? quick : full));
const ROUNDS = knob("BENCH_ROUNDS", 5, 1);
const LARGE_MB = knob("BENCH_LARGE_MB", 50, 8);
const LOAD_SECONDS = knob("BENCH_LOAD_SECONDS", 10, 2);
const MEMORY_SECONDS = knob("BENCH_MEMORY_SECONDS", 60, 0);
const UPLOAD_ROUNDS = knob("BENCH_UPLOAD_ROUNDS", 9, 1);
const ENTRY_MB = knob("BENCH_ENTRY_MB", 256, 16);
const REQUESTS = knob("BENCH_REQUESTS", 300, 50);
const PARTS = new Set((process.env.BENCH_PARTS ?? "side,load,upload,in-process").split(","));
for (const part of PARTS) {
  if (!["side", "load", "upload", "in-process"].includes(part)) throw new Error(`BENCH_PARTS: unknown part ${part}`);
}
const CONNECTIONS = 32;
const LATENCIES = [0, 20];

const log = (line: string) => console.log(`[bench] ${line}`);

async function main() {
  const loadAtStart = load();
  const failures: string[] = [];
  const attempt = async <T>(part: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (error) {
      console.error(error);
      failures.push(`${part}: ${String(error).slice(0, 300)}`);
      return undefined;
    }
  };
  const measured: Measured[] = [];
  const largeScenarios = [`${LARGE_MB} MiB deflated`, `${LARGE_MB} MiB stored`];
  const loadRows: LoadFigures[] = [];
  const memory: MemoryFigures[] = [];
  let inProcessFigures: Figure[] = [];
  const stack = await scratchStack("bench");
  try {
    const settings = { ...stack.settings, ADMIN_TOKEN };
    if (PARTS.has("side")) {
      await attempt("side by side", async () => {
        measured.push(
          ...(await sideBySide({
            settings,
            scenarios: scenarios(LARGE_MB),
            latencies: LATENCIES,
            rounds: ROUNDS,
            log,
          })),
        );
      });
    }
    const fixtures = PARTS.has("load") ? await attempt("load fixtures", () => makeFixtures(settings)) : undefined;
    const runtimes: [string, (s: Record<string, string>) => Promise<Target>][] = [
      ["Node entry", startNode],
      ["workerd", (s) => startPlainWorkerd(s)],
      ["wrangler", startWorkerd],
    ];
    for (const [runtime, start] of runtimes) {
      if (!fixtures) break;
      await attempt(`load on ${runtime}`, async () => {
        const storage = await startStorageProcess(stack.storageDirectory);
        const target = await start({ ...settings, S3_ENDPOINT: storage.endpoint }).catch(async (error) => {
          await storage.stop();
          throw error;
        });
        try {
          const figures = await loadRuntime(target, fixtures, {
            runtime,
            connections: CONNECTIONS,
            seconds: LOAD_SECONDS,
            memoryRequests: 20_000,
            memorySeconds: MEMORY_SECONDS,
            log,
          });
          loadRows.push(...figures.rows);
          memory.push(figures.memory);
        } finally {
          await target.stop();
          await storage.stop();
        }
      });
    }
    if (PARTS.has("in-process")) {
      inProcessFigures = (await attempt("in-process", () => inProcess(settings, ENTRY_MB, REQUESTS))) ?? [];
    }
  } finally {
    await stack.stop();
  }
  const upload: UploadFigures[] | { error: string } = PARTS.has("upload")
    ? ((await attempt("upload", () => uploadComparison(UPLOAD_ROUNDS, log))) ?? { error: "see the failures above" })
    : { error: "not measured (BENCH_PARTS)" };
  const chart = measured.length ? await attempt("chart", () => chartSvg(measured)) : undefined;
  const wrong = measured.filter((m) => !m.checked);
  for (const m of wrong) failures.push(`${m.contender} on ${m.scenario} at ${m.latencyMs} ms: output wrong or failed`);
  writePage(
    {
      settings:
        `BENCH_PARTS=${[...PARTS].join(",")}, BENCH_ROUNDS=${ROUNDS}, BENCH_LARGE_MB=${LARGE_MB}, BENCH_LOAD_SECONDS=${LOAD_SECONDS}, ` +
        `BENCH_MEMORY_SECONDS=${MEMORY_SECONDS}, BENCH_UPLOAD_ROUNDS=${UPLOAD_ROUNDS}, BENCH_ENTRY_MB=${ENTRY_MB}, ` +
        `BENCH_REQUESTS=${REQUESTS}, database ${stack.database}`,
      quick: QUICK,
      loadAtStart,
      sideBySide: measured,
      largeScenarios,
      load: loadRows,
      memory,
      upload,
      inProcess: inProcessFigures,
      failures,
    },
    chart,
  );
  if (failures.length) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
