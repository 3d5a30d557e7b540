/**
 * `npm run soak:probe`: what grows in workerd. One kind of request (PROBE_KIND: version, archive,
 * file, range, missing-job, upload or mixed) is sent PROBE_REQUESTS times (default 20,000) over
 * PROBE_CONNECTIONS (default 16) to the Worker in workerd, in PROBE_STEPS (default 5) steps.
 * After each step a heap snapshot is taken through the isolate's inspector (a full GC first),
 * then the JS heap (V8's used and total size), the workerd's resident memory and its open
 * descriptors are read (PROBE_SNAPSHOTS=0 leaves the snapshots out); the kinds of object whose bytes grew most from the first step's
 * snapshot to the last one's are printed. Diagnostics only: nothing is written.
 */
import { ADMIN_TOKEN } from "../helpers/harness";
import { scratchStack } from "../helpers/scratch-stack";
import { makeFixtures } from "./fixtures";
import { type HeapCount, inspect } from "./inspector";
import { mix } from "./mix";
import { descriptors, inSteps, MiB, PROBE, probeOperations } from "./probe-kinds";
import { rssOf } from "./processes";
import { startWorkerd } from "./targets";

const { kind: KIND, requests: REQUESTS, connections: CONNECTIONS, steps: STEPS } = PROBE;
/** PROBE_SNAPSHOTS=0: no snapshots (their own allocations stay out of the RSS), heap not collected. */
const SNAPSHOTS = process.env.PROBE_SNAPSHOTS !== "0";

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
    const ops = probeOperations(KIND, mix(await makeFixtures(settings)));
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
      let first: Map<string, HeapCount> | undefined;
      let last: Map<string, HeapCount> | undefined;
      await inSteps(target.origin, ops, async (done, seconds, errors) => {
        last = await measure(done, seconds, errors);
        first ??= last;
      });
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
