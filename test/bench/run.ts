/**
 * `npm run bench`: speed and memory of the hot paths, against the real local stack (embedded
 * PostgreSQL or TEST_DATABASE_URL, and s3rver), with the app in-process on Node.
 *   - archive redirect: latency over many requests, SQL statements and storage reads each;
 *   - one file by job id: a large deflated entry (BENCH_ENTRY_MB, default 256) streamed out,
 *     time to first byte, throughput, and peak memory while streaming (it must stay flat);
 *   - a small file: latency and storage reads.
 * Loopback only; bounded in count and time; stops by itself.
 */
import { Zip, ZipDeflate } from "fflate";
import { createApp } from "../../functions/app";
import { archiveKey } from "../../lib/ingest/keys";
import { recordArchive } from "../../lib/ingest/record";
import { storeArchive } from "../../lib/ingest/store";
import { nodeWebSocket } from "../../lib/local/node-websocket";
import { servicesFrom } from "../../lib/platform/services";
import { countingStorage } from "../helpers/counting-storage";
import { factories } from "../helpers/factories";
import { scratchStack } from "../helpers/scratch-stack";
import { benchReport, percentile } from "./report";

const ENTRY_MB = Number(process.env.BENCH_ENTRY_MB ?? 256);
const REDIRECTS = Number(process.env.BENCH_REQUESTS ?? 300);
const ADMIN_TOKEN = "bench-admin-token-0123456789";

/** A zip with one deflated entry of `mb` MiB of log-like text, streamed (never whole in memory). */
function streamedZip(mb: number): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const zip = new Zip((error, chunk, final) => {
        if (error) controller.error(error);
        else {
          controller.enqueue(chunk);
          if (final) controller.close();
        }
      });
      const entry = new ZipDeflate("logs/big.log", { level: 1 });
      zip.add(entry);
      const line = new TextEncoder().encode("2026-11-25T03:00:00Z INFO step finished in 12ms: ok\n".repeat(1024));
      const total = mb * 1024 * 1024;
      let written = 0;
      const pump = () => {
        for (let i = 0; i < 64 && written < total; i++) {
          const piece = line.subarray(0, Math.min(line.length, total - written));
          written += piece.length;
          entry.push(piece, written >= total);
        }
        if (written < total) setTimeout(pump, 0);
        else zip.end();
      };
      pump();
    },
  });
}

async function main() {
  const stack = await scratchStack("bench");
  const report = benchReport(`BENCH_ENTRY_MB=${ENTRY_MB}, BENCH_REQUESTS=${REDIRECTS}, database ${stack.database}`);
  try {
    const built = servicesFrom({ ...stack.settings, ADMIN_TOKEN }, nodeWebSocket);
    let queries = 0;
    let reads = 0;
    const { services: real, close } = built.open(4, () => queries++);
    const storage = countingStorage(real.storage, () => reads++);
    const services = { ...real, storage };
    const app = createApp(async () => ({ services }));
    const make = factories(services.db, real.storage);

    const project = await make.project({ visibility: "public" });
    const pipeline = await make.pipeline(project);
    const { job } = await make.job(pipeline);
    const uploadStart = performance.now();
    const key = archiveKey(job);
    const summary = await storeArchive(real, key, streamedZip(ENTRY_MB));
    await recordArchive(real, job, {
      key,
      summary,
      accessibility: "public",
      expireAt: null,
    });
    const small = await make.job(pipeline, { name: "small" });
    await make.archive(small.job, new Uint8Array(await new Response(streamedZip(1)).arrayBuffer()));
    report.add(
      "setup",
      `${ENTRY_MB} MiB entry zipped to ${(summary.size / 2 ** 20).toFixed(1)} MiB and uploaded in ${((performance.now() - uploadStart) / 1000).toFixed(1)} s`,
    );

    // 1. Archive redirects.
    const times: number[] = [];
    queries = 0;
    reads = 0;
    for (let i = 0; i < REDIRECTS; i++) {
      const t = performance.now();
      const res = await app.request(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts`);
      if (res.status !== 302) throw new Error(`redirect answered ${res.status}`);
      times.push(performance.now() - t);
    }
    report.add(
      "archive redirect",
      `p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms over ${REDIRECTS}; ` +
        `${queries / REDIRECTS} SQL statement(s) and ${reads / REDIRECTS} storage read(s) per request`,
    );

    // 2. A small file, repeatedly.
    const smallTimes: number[] = [];
    reads = 0;
    queries = 0;
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      const res = await app.request(`/api/v4/projects/${project.id}/jobs/${small.job.id}/artifacts/logs/big.log`, {
        headers: { range: "bytes=0-1023" },
      });
      await res.arrayBuffer();
      smallTimes.push(performance.now() - t);
    }
    report.add(
      "1 KiB range of a file",
      `p50 ${percentile(smallTimes, 50).toFixed(2)} ms; ${queries / 50} SQL, ${reads / 50} storage reads per request`,
    );

    // 3. The large entry, streamed, with memory sampled as it flows.
    global.gc?.();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed;
    let peakBuffers = before.arrayBuffers;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
    }, 20);
    reads = 0;
    const t0 = performance.now();
    const res = await app.request(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts/logs/big.log`);
    const reader = res.body?.getReader();
    let firstByte = 0;
    let received = 0;
    for (;;) {
      const next = await reader?.read();
      if (!next || next.done) break;
      if (received === 0) firstByte = performance.now() - t0;
      received += next.value.length;
    }
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    if (received !== ENTRY_MB * 2 ** 20) throw new Error(`received ${received} bytes`);
    report.add(
      `${ENTRY_MB} MiB deflated entry`,
      `first byte ${firstByte.toFixed(1)} ms, ${(ENTRY_MB / seconds).toFixed(0)} MiB/s, ` +
        `${reads} storage reads; memory while streaming: RSS +${((peakRss - before.rss) / 2 ** 20).toFixed(1)} MiB, ` +
        `heap +${((peakHeap - before.heapUsed) / 2 ** 20).toFixed(1)} MiB, buffers +${((peakBuffers - before.arrayBuffers) / 2 ** 20).toFixed(1)} MiB`,
    );
    await close();
    report.write();
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
