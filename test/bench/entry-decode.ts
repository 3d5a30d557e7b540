/**
 * Large entries through openEntry, from the real local S3 server (s3rver): a 50 MiB deflated
 * entry of varied log-like text and a 50 MiB stored one, timed over interleaved rounds, with the
 * whole-download floor (one read of the archive, then fflate) beside them.
 *
 *   node --import tsx test/bench/entry-decode.ts
 *   BASELINE_READER=/work/main/lib/zip/reader.ts node --import tsx test/bench/entry-decode.ts
 *
 * With BASELINE_READER (one path, or several joined by commas), other checkouts' readers run in
 * the same rounds (before vs after). ENTRY_MB (default 50), REPEAT_MB (default 256: one log line
 * repeated, ~1000:1, the case where per-chunk costs show) and ROUNDS (default 5) size the run.
 * CASES (e.g. "stored,repeated") picks cases. Outputs are checked byte for byte.
 */
import { unzipSync, zipSync } from "fflate";
import { parseConfig } from "../../lib/platform/config";
import { createStorage } from "../../lib/platform/services";
import type { ZipEntry } from "../../lib/zip/central-directory";
import * as current from "../../lib/zip/reader";
import { scratchStack } from "../helpers/scratch-stack";

const MB = Number(process.env.ENTRY_MB ?? 50);
const REPEAT_MB = Number(process.env.REPEAT_MB ?? 256);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
type Reader = typeof current;

/** Log-like text that compresses as CI logs do (several to one), not one line repeated. */
function logText(size: number): Uint8Array {
  let seed = 0x9e3779b9;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T;
  const levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];
  const parts = ["runner", "cache", "git", "npm", "vitest", "docker", "upload", "compile", "lint", "deploy"];
  const words = ["fetching", "resolved", "wrote", "skipped", "retrying", "finished", "started", "checked"];
  const lines: string[] = [];
  let length = 0;
  let clock = Date.UTC(2026, 10, 25, 3);
  while (length < size) {
    clock += Math.floor(next() * 40);
    const hex = Math.floor(next() * 2 ** 32).toString(16);
    const line =
      `${new Date(clock).toISOString()} ${pick(levels)} [${pick(parts)}] ${pick(words)} ` +
      `src/${pick(parts)}/${pick(words)}-${Math.floor(next() * 500)}.ts (${Math.floor(next() * 90_000)} bytes) ` +
      `sha=${hex} in ${(next() * 3000).toFixed(1)}ms\n`;
    lines.push(line);
    length += line.length;
  }
  return new TextEncoder().encode(lines.join("")).subarray(0, size);
}

async function main() {
  const stack = await scratchStack("entry-decode");
  try {
    const storage = createStorage(parseConfig({ ...stack.settings, ADMIN_TOKEN: "bench-admin-token-0123456789" }));
    const baselines: [string, Reader][] = [];
    for (const path of (process.env.BASELINE_READER ?? "").split(",").filter(Boolean)) {
      baselines.push([`openEntry (${path.split("/").slice(-4, -3).join("")})`, (await import(path)) as Reader]);
    }
    const size = MB * 2 ** 20;
    const text = logText(size);
    const blob = new Uint8Array(size);
    for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(blob.subarray(i, i + 65_536));
    const line = new TextEncoder().encode("2026-11-25T03:00:00Z INFO step finished in 12ms: ok\n");
    const repeated = new Uint8Array(REPEAT_MB * 2 ** 20);
    for (let at = 0; at < repeated.length; at += line.length) repeated.set(line.subarray(0, repeated.length - at), at);
    const cases = [
      { label: "repeated", name: "r.log", zip: zipSync({ "r.log": [repeated, { level: 6 }] }), data: repeated },
      { label: "deflated", name: "logs/job.log", zip: zipSync({ "logs/job.log": [text, { level: 6 }] }), data: text },
      { label: "stored", name: "blob.bin", zip: zipSync({ "blob.bin": [blob, { level: 0 }] }), data: blob },
    ];
    const prepared: ((typeof cases)[number] & { archive: current.ArchiveRef; entry: ZipEntry })[] = [];
    const only = process.env.CASES?.split(",");
    for (const c of cases.filter((c) => !only || only.includes(c.label))) {
      const key = `bench/${c.label}-${process.pid}.zip`;
      await storage.upload(key, new Blob([c.zip]).stream(), "application/zip");
      const archive = { key, size: c.zip.length };
      const entry = (await current.lookupEntry(storage, archive, new TextEncoder().encode(c.name))) as ZipEntry;
      console.log(
        `${c.label}: ${c.data.length / 2 ** 20} MiB entry, ${(c.zip.length / 2 ** 20).toFixed(1)} MiB zip (ratio ${(c.data.length / entry.compressedSize).toFixed(1)})`,
      );
      prepared.push({ ...c, archive, entry });
    }

    const contenders: Record<string, (p: (typeof prepared)[number]) => Promise<Uint8Array>> = {
      "openEntry (this branch)": async (p) => read(await current.openEntry(storage, p.archive, p.entry)),
      ...Object.fromEntries(
        baselines.map(([name, reader]) => [
          name,
          async (p: (typeof prepared)[number]) => read(await reader.openEntry(storage, p.archive, p.entry)),
        ]),
      ),
      "whole download + fflate": async (p) => {
        const whole = await read((await storage.read(p.archive.key)) as ReadableStream<Uint8Array>);
        return unzipSync(whole)[p.name] as Uint8Array;
      },
    };
    const times: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const p of prepared) {
        for (const [name, run] of Object.entries(contenders)) {
          const start = performance.now();
          const out = await run(p);
          const ms = performance.now() - start;
          if (out.length !== p.data.length || Buffer.compare(out, p.data) !== 0)
            throw new Error(`${name} read ${p.label} wrong`);
          const key = `${p.label}\t${name}`;
          times[key] = [...(times[key] ?? []), ms];
        }
      }
    }
    console.log(`median of ${ROUNDS} interleaved rounds (ms):`);
    for (const p of prepared) {
      const ours = median(times[`${p.label}\topenEntry (this branch)`] ?? []);
      for (const name of Object.keys(contenders)) {
        const m = median(times[`${p.label}\t${name}`] ?? []);
        const rate = p.data.length / 2 ** 20 / (m / 1000);
        console.log(
          `  ${p.label.padEnd(9)} ${name.padEnd(26)} ${m.toFixed(0).padStart(6)} ms ${rate.toFixed(0).padStart(5)} MiB/s  (x${(m / ours).toFixed(2)} of this branch)`,
        );
      }
    }
  } finally {
    await stack.stop();
  }
}

async function read(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

await main();
