/**
 * `npm run soak:plain`: like soak:probe, without wrangler: the Worker as deployed on `workerd serve`
 * (startPlainWorkerd in targets.ts: the bundle, the Cache API answered outside the workerd), so
 * what grows is the Worker's and workerd's alone, not miniflare's.
 * PROBE_KIND as soak:probe's, or a control instead of the Worker: "websocket"
 * (test/soak/controls/websocket.js, one WebSocket to the PostgreSQL bridge per request, nothing
 * else) or "fetch" (controls/fetch.js, one POST to the SQL-over-HTTP endpoint per request). After
 * each step: RSS, the isolate's JS heap as the load left it (used and committed, read through
 * workerd's inspector without forcing a GC) and open descriptors. PROBE_V8_FLAGS (space-separated)
 * go to workerd's `v8Flags`, e.g. "--max-old-space-size=24" to cap the old generation. Diagnostics
 * only: nothing is written.
 */
import { fileURLToPath } from "node:url";
import { freePort } from "../../lib/local/stack";
import { ADMIN_TOKEN } from "../helpers/harness";
import { scratchStack } from "../helpers/scratch-stack";
import { makeFixtures } from "./fixtures";
import { inspect } from "./inspector";
import { descriptors, inSteps, MiB, PROBE, probeOperations } from "./probe-kinds";
import { rssOf } from "./processes";
import { startPlainWorkerd } from "./targets";

const { kind: KIND, requests: REQUESTS, connections: CONNECTIONS } = PROBE;
const CONTROLS = ["websocket", "fetch"];

async function main() {
  const stack = await scratchStack("plain");
  try {
    const settings = { ...stack.settings, ADMIN_TOKEN };
    const ops = probeOperations(CONTROLS.includes(KIND) ? "version" : KIND, await makeFixtures(settings));
    const target = await startPlainWorkerd(settings, {
      module: CONTROLS.includes(KIND) ? fileURLToPath(new URL(`controls/${KIND}.js`, import.meta.url)) : undefined,
      inspectorPort: await freePort(),
      v8Flags: (process.env.PROBE_V8_FLAGS ?? "").split(" ").filter(Boolean),
    });
    const [served] = target.processes;
    try {
      if (!served || !target.inspectorUrl) throw new Error("no workerd or no inspector");
      const pid = served.pid;
      // Runtime.getHeapUsage forces no GC: the heap as the load left it, garbage included.
      const inspector = await inspect(target.inspectorUrl);
      const show = async (done: number, errors: number) => {
        const heap = await inspector.heapUsage();
        console.log(
          [done, errors, MiB(rssOf(pid) ?? 0), MiB(heap.usedSize), MiB(heap.totalSize), descriptors(pid)].join("\t"),
        );
      };
      console.log(`${KIND} on plain workerd: ${REQUESTS} requests, ${CONNECTIONS} connections, pid ${pid}`);
      console.log("requests\terrors\tRSS MiB\theap used MiB\theap total MiB\tfds");
      await show(0, 0);
      const sampling = process.env.PROBE_ALLOCATIONS ? await inspector.sampleOldAllocations() : undefined;
      await inSteps(target.origin, ops, (done, _seconds, errors) => show(done, errors));
      if (sampling) {
        const top = [...(await sampling.stop())].sort((a, b) => b[1] - a[1]).slice(0, 25);
        console.log("sampled allocations kept past a scavenge (PROBE_ALLOCATIONS), MiB by function:");
        for (const [where, bytes] of top) console.log(`  ${MiB(bytes)}\t${where}`);
      }
      inspector.close();
    } finally {
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
