import { Zip, ZipDeflate } from "fflate";
import { createApp } from "../../functions/app";
import { archiveKey } from "../../lib/ingest/keys";
import { recordArchive } from "../../lib/ingest/record";
import { storeArchive } from "../../lib/ingest/store";
import { nodeWebSocket } from "../../lib/local/node-websocket";
import { servicesFrom } from "../../lib/platform/services";
import { countingStorage } from "../helpers/counting-storage";
import { factories } from "../helpers/factories";
import { url } from "../helpers/harness";
import { percentile } from "./report";

/** One measure of the in-process section, as a line of text. */
export interface Figure {
  readonly measure: string;
  readonly result: string;
}

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

/**
 * The app in-process on Node (no HTTP, no proxy), as the first bench measured it: SQL statements
 * and storage reads per request of the archive redirect and of a small range, and one large
 * deflated entry (`entryMiB`) streamed out: time to first byte, throughput, and how much memory
 * grows while it streams (it must stay flat whatever the entry's size).
 */
export async function inProcess(settings: Record<string, string>, entryMiB: number, requests: number) {
  const figures: Figure[] = [];
  const built = servicesFrom(settings, nodeWebSocket);
  let queries = 0;
  let reads = 0;
  const { services: real, close } = built.open(4, () => queries++);
  const storage = countingStorage(real.storage, () => reads++);
  const services = { ...real, storage };
  const app = createApp(async () => ({ services }));
  const make = factories(services.db, real.storage);
  try {
    const project = await make.project({ visibility: "public" });
    const pipeline = await make.pipeline(project);
    const { job } = await make.job(pipeline);
    const key = archiveKey(job);
    const stored = await storeArchive(real, key, streamedZip(entryMiB));
    const { summary } = stored;
    await recordArchive(real, job, { ...stored, accessibility: "public", expireAt: null });
    const small = await make.job(pipeline, { name: "small" });
    await make.archive(small.job, new Uint8Array(await new Response(streamedZip(1)).arrayBuffer()));

    const times: number[] = [];
    queries = 0;
    reads = 0;
    for (let i = 0; i < requests; i++) {
      const t = performance.now();
      const res = await app.request(url.jobArtifacts(project, job));
      if (res.status !== 302) throw new Error(`redirect answered ${res.status}`);
      times.push(performance.now() - t);
    }
    figures.push({
      measure: "archive redirect",
      result:
        `p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms over ${requests}; ` +
        `${queries / requests} SQL statement(s) and ${reads / requests} storage read(s) per request`,
    });

    const rangeTimes: number[] = [];
    reads = 0;
    queries = 0;
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      const res = await app.request(url.jobArtifactFile(project, small.job, "logs/big.log"), {
        headers: { range: "bytes=0-1023" },
      });
      await res.arrayBuffer();
      rangeTimes.push(performance.now() - t);
    }
    figures.push({
      measure: "1 KiB range of a file",
      result: `p50 ${percentile(rangeTimes, 50).toFixed(2)} ms; ${queries / 50} SQL, ${reads / 50} storage reads per request`,
    });

    global.gc?.();
    const before = process.memoryUsage();
    const peak = { ...before };
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak.rss = Math.max(peak.rss, m.rss);
      peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
      peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
    }, 20);
    reads = 0;
    const t0 = performance.now();
    const res = await app.request(url.jobArtifactFile(project, job, "logs/big.log"));
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
    if (received !== entryMiB * 2 ** 20) throw new Error(`received ${received} bytes`);
    const grew = (key: "rss" | "heapUsed" | "arrayBuffers") => ((peak[key] - before[key]) / 2 ** 20).toFixed(1);
    figures.push({
      measure: `${entryMiB} MiB deflated entry (zipped to ${(summary.size / 2 ** 20).toFixed(1)} MiB)`,
      result:
        `first byte ${firstByte.toFixed(1)} ms, ${(entryMiB / seconds).toFixed(0)} MiB/s, ${reads} storage read(s); ` +
        `memory while streaming: RSS +${grew("rss")} MiB, heap +${grew("heapUsed")} MiB, buffers +${grew("arrayBuffers")} MiB`,
    });
    return figures;
  } finally {
    await close();
  }
}
