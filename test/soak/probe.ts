/**
 * `npm run soak:probe`: what grows in workerd. One kind of request (PROBE_KIND: version, archive,
 * file, range, missing-job, upload, mixed, or the bench's routes: bench, small-file,
 * private-small-file) is sent PROBE_REQUESTS times (default 20,000) over
 * PROBE_CONNECTIONS (default 16) to the Worker in workerd, in PROBE_STEPS (default 5) steps.
 * After each step the JS heap as the load left it (V8's used and committed size, no GC forced),
 * the workerd's resident memory, the committed heaps of every isolate it runs (miniflare's own
 * Workers too, through the workerd's own inspector) and its open descriptors are read; then, every PROBE_SNAPSHOTS
 * steps, a heap snapshot is taken through the isolate's inspector (a full GC first) and the heap
 * used after it read. The kinds of object whose bytes grew most from the first snapshot to the
 * last one are printed. Diagnostics only: nothing is written.
 */
import { freePort } from "../../lib/local/stack";
import { ADMIN_TOKEN } from "../helpers/harness";
import { scratchStack } from "../helpers/scratch-stack";
import { makeFixtures } from "./fixtures";
import { type HeapCount, type HeapUsage, inspect, otherIsolateHeaps } from "./inspector";
import { descriptors, inSteps, MiB, PROBE, probeOperations } from "./probe-kinds";
import { listeningPorts, rssOf } from "./processes";
import { startNode, startWorkerd } from "./targets";

const { kind: KIND, requests: REQUESTS, connections: CONNECTIONS, steps: STEPS } = PROBE;
/** PROBE_TARGET=node probes the Node entry (functions/node.ts, its inspector) instead of the Worker under wrangler. */
const TARGET = process.env.PROBE_TARGET ?? "wrangler";
/**
 * PROBE_SNAPSHOTS=N: a snapshot (a full GC first) after every Nth step and after the last; 1 (the
 * default) after every step, 0 none (their own allocations stay out of the RSS, the heap is never
 * collected by hand).
 */
const EVERY = Number(process.env.PROBE_SNAPSHOTS ?? 1);

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
    const ops = probeOperations(KIND, await makeFixtures(settings));
    const target =
      TARGET === "node"
        ? await startNode(settings, { inspectorPort: await freePort() })
        : await startWorkerd(settings, { inspectorPort: 0 });
    const [served] = target.processes;
    if (!served || !target.inspectorUrl) throw new Error("no serving process or no inspector");
    const inspector = await inspect(target.inspectorUrl);
    try {
      let step = 0;
      let isolates = new Map<string, HeapUsage>();
      // Heap and RSS as the load left them (Runtime.getHeapUsage forces no GC), then, on a
      // snapshot's step, the heap used after the snapshot's full GC.
      const measure = async (done: number, seconds: number, errors: number) => {
        const heap = await inspector.heapUsage();
        const rss = rssOf(served.pid) ?? 0;
        isolates = TARGET === "node" ? isolates : await otherIsolateHeaps(listeningPorts(served.pid));
        const committed = [...isolates.values()].reduce((sum, h) => sum + h.totalSize, heap.totalSize);
        const snapshotting = EVERY > 0 && (step % EVERY === 0 || step === STEPS);
        step++;
        const objects = snapshotting ? await inspector.snapshot() : undefined;
        const collected = objects ? MiB((await inspector.heapUsage()).usedSize) : "-";
        const perSecond = seconds > 0 ? (REQUESTS / STEPS / seconds).toFixed(0) : "-";
        console.log(
          [
            done,
            seconds.toFixed(1),
            perSecond,
            errors,
            MiB(heap.usedSize),
            MiB(heap.totalSize),
            MiB(rss),
            MiB(committed),
            MiB(rss - committed),
            descriptors(served.pid),
            collected,
          ].join("\t"),
        );
        if (TARGET === "node") {
          // Node's own account: what Buffers and other memory outside the JS heap hold.
          const usage = await inspector.evaluate<Record<string, number>>("process.memoryUsage()");
          console.log(
            `  process.memoryUsage(), MiB: external ${MiB(usage.external ?? 0)}, arrayBuffers ${MiB(usage.arrayBuffers ?? 0)}`,
          );
        }
        const others = [...isolates].map(([id, h]) => `${id} ${MiB(h.totalSize)}`);
        if (others.length > 0) console.log(`  other isolates' heaps committed, MiB: ${others.join(", ")}`);
        return objects;
      };
      console.log(`${KIND}: ${REQUESTS} requests, ${CONNECTIONS} connections, ${served.role} pid ${served.pid}`);
      console.log(
        [
          "requests\tseconds\treq/s\terrors\theap used MiB\theap committed MiB\tRSS MiB",
          "all isolates' heaps committed MiB\tRSS outside them MiB\tfds\theap used after full GC MiB",
        ].join("\t"),
      );
      await measure(0, 0, 0);
      let first: Map<string, HeapCount> | undefined;
      let last: Map<string, HeapCount> | undefined;
      await inSteps(target.origin, ops, async (done, seconds, errors) => {
        const objects = await measure(done, seconds, errors);
        if (!objects) return;
        last = objects;
        first ??= objects;
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
