/**
 * `node --import tsx test/bench/index-upload.ts`: what indexing costs at upload (issue 9 goal 5).
 * Interleaved rounds of two uploads through the HTTP API in-process, against the real local stack
 * (TEST_DATABASE_URL or embedded PostgreSQL, and s3rver in a process of its own, as a store is
 * never in the server's process: in this one, its hashing and writing would wait for the index's
 * CPU, which a remote store's would not): a 70,000-entry archive and a two-entry archive of the
 * same size. Prints each median and the ratio (the goal: at most 1.5), for each way
 * the service reaches PostgreSQL: `tcp`, node-postgres as the Node entry opens it (functions/node.ts),
 * and `websocket`, the Neon driver's pool as the Worker opens it, here through the local bridge
 * (lib/local/ws-proxy.ts), which runs in this process and so adds its own CPU to every statement.
 * BENCH_ENTRIES (default 70,000), BENCH_ROUNDS (default 5) and BENCH_UPLOAD_DATABASES (default
 * "tcp,websocket") change the shape.
 */
import { zipSync } from "fflate";
import { type App, createApp } from "../../functions/app";
import { nodeWebSocket } from "../../lib/local/node-websocket";
import { servicesFrom } from "../../lib/platform/services";
import { openTcpDatabase } from "../../lib/platform/tcp-database";
import { random } from "../helpers/bytes";
import { factories } from "../helpers/factories";
import { scratchStack } from "../helpers/scratch-stack";
import { manyEntriesZip, multipartUpload } from "../helpers/zips";
import { median } from "./side-by-side";
import { startStorageProcess } from "./storage-process";

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 70_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DATABASES = (process.env.BENCH_UPLOAD_DATABASES ?? "tcp,websocket").split(",");
for (const d of DATABASES)
  if (d !== "tcp" && d !== "websocket") throw new Error(`BENCH_UPLOAD_DATABASES: unknown ${d}`);
const ADMIN_TOKEN = "bench-admin-token-0123456789";

/** `n` stored entries of 150 bytes under names like a node_modules tree's: 21 MiB for 70,000 (ZIP64). */
const manyEntries = (n: number) =>
  manyEntriesZip(n, { prefix: "node_modules/some-package/lib/file-", content: random(150) });

/** Two stored entries of incompressible bytes, together `size` bytes of archive. */
function twoEntries(size: number): Uint8Array {
  const half = Math.floor((size - 300) / 2);
  return zipSync({ "a.bin": [random(half), { level: 0 }], "b.bin": [random(size - 300 - half), { level: 0 }] });
}

async function main() {
  const stack = await scratchStack("index-upload");
  let storage: Awaited<ReturnType<typeof startStorageProcess>> | undefined;
  try {
    storage = await startStorageProcess(stack.storageDirectory);
    const built = servicesFrom({ ...stack.settings, ADMIN_TOKEN, S3_ENDPOINT: storage.endpoint }, nodeWebSocket);
    const opened = DATABASES.map((name) => {
      const { services, close } =
        name === "tcp" ? built.over(openTcpDatabase(built.config.DATABASE_URL, { max: 4 })) : built.open(4);
      return { name, app: createApp(async () => ({ services })), close };
    });
    const setup = built.open(1);
    const make = factories(setup.services.db, setup.services.storage);
    const pipeline = await make.pipeline(await make.project());
    const many = manyEntries(ENTRIES);
    const two = twoEntries(many.length);
    console.log(`${ENTRIES} entries: ${(many.length / 2 ** 20).toFixed(1)} MiB; two entries: ${two.length} bytes`);

    const upload = async (app: App, zip: Uint8Array) => {
      const { job, token } = await make.job(pipeline);
      const t = performance.now();
      const res = await app.request(`/api/v4/jobs/${job.id}/artifacts`, {
        method: "POST",
        headers: { "JOB-TOKEN": token },
        body: multipartUpload(zip),
      });
      if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
      return performance.now() - t;
    };
    const times = new Map(opened.map((o) => [o.name, { many: [] as number[], two: [] as number[] }]));
    // One of each first, unmeasured: connections, JIT.
    for (const { app } of opened) {
      await upload(app, two);
      await upload(app, many);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const { name, app } of opened) {
        const t = times.get(name);
        if (!t) continue;
        t.two.push(await upload(app, two));
        t.many.push(await upload(app, many));
        console.log(
          `round ${round + 1} (${name}): two ${t.two.at(-1)?.toFixed(0)} ms, many ${t.many.at(-1)?.toFixed(0)} ms`,
        );
      }
    }
    for (const [name, t] of times) {
      const [m, w] = [median(t.many), median(t.two)];
      console.log(
        `median (${name}): ${ENTRIES} entries ${m.toFixed(0)} ms, two entries ${w.toFixed(0)} ms, ratio ${(m / w).toFixed(2)}`,
      );
    }
    for (const { close } of [...opened, setup]) await close();
  } finally {
    await storage?.stop();
    await stack.stop();
  }
}

await main();
