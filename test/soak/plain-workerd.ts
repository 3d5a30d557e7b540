/**
 * `npm run soak:plain`: like soak:probe, without wrangler. The bundle (`wrangler deploy --dry-run`)
 * is served by `workerd serve` with a minimal config (the settings as text bindings, outbound
 * traffic allowed to local addresses), so what grows is workerd's alone, not wrangler's layers.
 * PROBE_KIND as soak:probe's, or a control instead of the Worker: "websocket"
 * (test/soak/controls/websocket.js, one WebSocket to the PostgreSQL bridge per request, nothing
 * else) or "fetch" (controls/fetch.js, one POST to the SQL-over-HTTP endpoint per request). After
 * each step: RSS, the isolate's JS heap as the load left it (used and committed, read through
 * workerd's inspector without forcing a GC) and open descriptors. PROBE_V8_FLAGS (space-separated)
 * go to workerd's `v8Flags`, e.g. "--max-old-space-size=24" to cap the old generation. Diagnostics
 * only: nothing is written.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../lib/local/stack";
import { ADMIN_TOKEN } from "../helpers/harness";
import { scratchStack } from "../helpers/scratch-stack";
import { makeFixtures } from "./fixtures";
import { inspect } from "./inspector";
import { descriptors, inSteps, MiB, PROBE, probeOperations } from "./probe-kinds";
import { rssOf } from "./processes";

const { kind: KIND, requests: REQUESTS, connections: CONNECTIONS } = PROBE;
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CONTROLS = ["websocket", "fetch"];

/** The module workerd serves, in `dir`: the Worker's bundle, or the WebSocket control. */
function module(dir: string): string {
  if (CONTROLS.includes(KIND)) {
    copyFileSync(join(ROOT, `test/soak/controls/${KIND}.js`), join(dir, "worker.js"));
    return "worker.js";
  }
  const built = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", dir], { cwd: ROOT, encoding: "utf8" });
  if (built.status !== 0) throw new Error(`wrangler deploy --dry-run: ${built.stderr}`);
  return "worker.js";
}

function config(file: string, port: number, settings: Record<string, string>): string {
  const bindings = Object.entries(settings)
    .map(([name, text]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(text)})`)
    .join(", ");
  const v8Flags = (process.env.PROBE_V8_FLAGS ?? "").split(" ").filter(Boolean);
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  v8Flags = ${JSON.stringify(v8Flags)},
  services = [(name = "main", worker = .worker), (name = "net", network = (allow = ["public", "private", "local"]))],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "${file}")],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["nodejs_compat"],
  bindings = [${bindings}],
  globalOutbound = "net",
);
`;
}

async function main() {
  const stack = await scratchStack("plain");
  const dir = mkdtempSync(join(tmpdir(), "artifact-edge-plain-"));
  try {
    const settings = { ...stack.settings, ADMIN_TOKEN, PRESIGN_EXPIRES_IN: "300" };
    const ops = probeOperations(CONTROLS.includes(KIND) ? "version" : KIND, await makeFixtures(settings));
    const [port, inspectorPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, "config.capnp"), config(module(dir), port, settings));
    const workerd = spawn(
      join(ROOT, "node_modules/workerd/bin/workerd"),
      ["serve", `--inspector-addr=127.0.0.1:${inspectorPort}`, join(dir, "config.capnp")],
      {
        stdio: ["ignore", "inherit", "inherit"],
      },
    );
    try {
      const origin = new URL(`http://127.0.0.1:${port}`);
      for (let tries = 0; ; tries++) {
        const up = await fetch(origin).then(
          (r) => r.arrayBuffer().then(() => true),
          () => false,
        );
        if (up) break;
        if (tries > 100) throw new Error("workerd did not start");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const pid = workerd.pid as number;
      // Runtime.getHeapUsage forces no GC: the heap as the load left it, garbage included.
      const inspector = await inspect(new URL(`ws://127.0.0.1:${inspectorPort}`));
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
      await inSteps(origin, ops, (done, _seconds, errors) => show(done, errors));
      if (sampling) {
        const top = [...(await sampling.stop())].sort((a, b) => b[1] - a[1]).slice(0, 25);
        console.log("sampled allocations kept past a scavenge (PROBE_ALLOCATIONS), MiB by function:");
        for (const [where, bytes] of top) console.log(`  ${MiB(bytes)}\t${where}`);
      }
      inspector.close();
    } finally {
      workerd.kill();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
