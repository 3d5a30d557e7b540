/**
 * `npm run soak:probe`: what grows in workerd. One kind of request (PROBE_KIND: version, archive,
 * file, range, missing-job, upload or mixed) is sent PROBE_REQUESTS times (default 20,000) over
 * PROBE_CONNECTIONS (default 16) to the Worker in workerd, in PROBE_STEPS (default 5) steps.
 * After each step a heap snapshot is taken through the isolate's inspector (a full GC first),
 * then the JS heap (V8's used and total size), the workerd's resident memory and its open
 * descriptors are read (PROBE_SNAPSHOTS=0 leaves the snapshots out); the kinds of object whose bytes grew most from the first step's
 * snapshot to the last one's are printed. Diagnostics only: nothing is written.
 */
import { readdirSync } from "node:fs";
import { ADMIN_TOKEN } from "../helpers/harness";
import { scratchStack } from "../helpers/scratch-stack";
import { makeFixtures } from "./fixtures";
import { type HeapCount, inspect } from "./inspector";
import { runLoad } from "./load";
import { mix, type Operation } from "./mix";
import { rssOf } from "./processes";
import { startWorkerd } from "./targets";

const KIND = process.env.PROBE_KIND ?? "archive";
const REQUESTS = Number(process.env.PROBE_REQUESTS ?? 20_000);
const CONNECTIONS = Number(process.env.PROBE_CONNECTIONS ?? 16);
const STEPS = Number(process.env.PROBE_STEPS ?? 5);
/** PROBE_SNAPSHOTS=0: no snapshots (their own allocations stay out of the RSS), heap not collected. */
const SNAPSHOTS = process.env.PROBE_SNAPSHOTS !== "0";

/** mix()'s operations by position, and a request that touches neither database nor storage. */
function operations(all: Operation[]): Operation[] {
  const at: Record<string, number> = { archive: 0, file: 3, range: 5, "missing-job": 8, upload: 10 };
  if (KIND === "mixed") return all;
  if (KIND === "version") {
    return [
      {
        weight: 1,
        calls: 1,
        run: async (send) =>
          void (await send({
            kind: "version 200",
            path: "/api/v4/version",
            check: (a) => (a.status === 200 ? undefined : `status ${a.status}`),
          })),
      },
    ];
  }
  const op = all[at[KIND] ?? -1];
  if (!op) throw new Error(`PROBE_KIND: unknown kind ${KIND}`);
  return [op];
}

const MiB = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const descriptors = (pid: number) => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
};

function grown(before: Map<string, HeapCount>, after: Map<string, HeapCount>) {
  return [...after]
    .map(([kind, a]) => ({
      kind,
      count: a.count - (before.get(kind)?.count ?? 0),
      bytes: a.bytes - (before.get(kind)?.bytes ?? 0),
    }))
    .filter((d) => d.count > 0)
    .sort((x, y) => y.bytes - x.bytes)
    .slice(0, 25);
}

async function main() {
  const stack = await scratchStack("probe");
  try {
    const settings = { ...stack.settings, ADMIN_TOKEN };
    const ops = operations(mix(await makeFixtures(settings)));
    const target = await startWorkerd(settings, { inspectorPort: 0 });
    const [served] = target.processes;
    if (!served || !target.inspectorUrl) throw new Error("no workerd or no inspector");
    const inspector = await inspect(target.inspectorUrl);
    try {
      const measure = async (done: number, seconds: number, errors: number) => {
        const objects = SNAPSHOTS ? await inspector.snapshot() : undefined;
        const heap = await inspector.heapUsage();
        console.log(
          [
            done,
            seconds.toFixed(1),
            errors,
            MiB(heap.usedSize),
            MiB(heap.totalSize),
            MiB(rssOf(served.pid) ?? 0),
            descriptors(served.pid),
          ].join("\t"),
        );
        return objects;
      };
      console.log(`${KIND}: ${REQUESTS} requests, ${CONNECTIONS} connections, workerd pid ${served.pid}`);
      console.log("requests\tseconds\terrors\theap used MiB\theap total MiB\tRSS MiB\tfds");
      await measure(0, 0, 0);
      let done = 0;
      let first: Map<string, HeapCount> | undefined;
      let last: Map<string, HeapCount> | undefined;
      for (let step = 0; step < STEPS; step++) {
        const load = await runLoad({
          origin: target.origin,
          connections: CONNECTIONS,
          requests: REQUESTS / STEPS,
          seconds: 3600,
          operations: ops,
        });
        done += load.requests;
        for (const example of load.examples) console.log(`  ${example}`);
        last = await measure(done, load.seconds, load.errors);
        first ??= last;
      }
      if (first && last) {
        console.log(`objects grown from step 1 to step ${STEPS} (count, bytes):`);
        for (const d of grown(first, last)) console.log(`  ${d.count}\t${d.bytes}\t${d.kind}`);
      }
    } finally {
      inspector.close();
      await target.stop();
    }
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
