/**
 * `node --import tsx test/bench/index-upload.ts`: what indexing costs at upload (issue 9 goal 5).
 * Interleaved rounds of two uploads through the HTTP API in-process, against the real local stack
 * (TEST_DATABASE_URL or embedded PostgreSQL, and s3rver): a 70,000-entry archive and a two-entry
 * archive of the same size. Prints each median and the ratio (the goal: at most 1.5).
 * BENCH_ENTRIES (default 70,000) and BENCH_ROUNDS (default 5) change the shape.
 */
import { zipSync } from "fflate";
import { createApp } from "../../functions/app";
import { nodeWebSocket } from "../../lib/local/node-websocket";
import { servicesFrom } from "../../lib/platform/services";
import { random } from "../helpers/bytes";
import { factories } from "../helpers/factories";
import { scratchStack } from "../helpers/scratch-stack";
import { manyEntriesZip, multipartUpload } from "../helpers/zips";

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 70_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ADMIN_TOKEN = "bench-admin-token-0123456789";

/** `n` stored entries of 150 bytes under names like a node_modules tree's: 21 MiB for 70,000 (ZIP64). */
const manyEntries = (n: number) =>
  manyEntriesZip(n, { prefix: "node_modules/some-package/lib/file-", content: random(150) });

/** Two stored entries of incompressible bytes, together `size` bytes of archive. */
function twoEntries(size: number): Uint8Array {
  const half = Math.floor((size - 300) / 2);
  return zipSync({ "a.bin": [random(half), { level: 0 }], "b.bin": [random(size - 300 - half), { level: 0 }] });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function main() {
  const stack = await scratchStack("index-upload");
  try {
    const built = servicesFrom({ ...stack.settings, ADMIN_TOKEN }, nodeWebSocket);
    const { services, close } = built.open(4);
    const app = createApp(async () => ({ services }));
    const make = factories(services.db, services.storage);
    const pipeline = await make.pipeline(await make.project());
    const many = manyEntries(ENTRIES);
    const two = twoEntries(many.length);
    console.log(`${ENTRIES} entries: ${(many.length / 2 ** 20).toFixed(1)} MiB; two entries: ${two.length} bytes`);

    const upload = async (zip: Uint8Array) => {
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
    // One of each first, unmeasured: connections, JIT.
    await upload(two);
    await upload(many);
    const times = { many: [] as number[], two: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      times.two.push(await upload(two));
      times.many.push(await upload(many));
      console.log(
        `round ${round + 1}: two ${times.two.at(-1)?.toFixed(0)} ms, many ${times.many.at(-1)?.toFixed(0)} ms`,
      );
    }
    const [m, t] = [median(times.many), median(times.two)];
    console.log(
      `median: ${ENTRIES} entries ${m.toFixed(0)} ms, two entries ${t.toFixed(0)} ms, ratio ${(m / t).toFixed(2)}`,
    );
    await close();
  } finally {
    await stack.stop();
  }
}

await main();
