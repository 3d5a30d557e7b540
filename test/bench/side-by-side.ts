import { createHash } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "../../functions/app";
import { nodeWebSocket } from "../../lib/local/node-websocket";
import { jsonLogger } from "../../lib/platform/log";
import { servicesFrom } from "../../lib/platform/services";
import { factories } from "../helpers/factories";
import { url } from "../helpers/harness";
import { type Contender, contenders, OURS, type Target } from "./contenders";
import type { Scenario } from "./scenarios";
import { KEEP_ALIVE_MS, startStorageProxy } from "./storage-proxy";

/** One contender on one archive at one storage latency. */
export interface Measured {
  readonly scenario: string;
  readonly latencyMs: number;
  readonly contender: string;
  readonly archiveBytes: number;
  readonly entryBytes: number;
  /** Storage requests and response-body bytes of one read (the last round's; they do not vary). */
  requests: number;
  bytes: number;
  readonly times: number[];
  /** Whether every round's output had the entry's SHA-256. */
  checked: boolean;
  /** The first failure, if a round failed. */
  error?: string;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/**
 * Every contender reads each scenario's entry through one storage proxy in front of the stack's
 * s3rver, at each latency, over `rounds` interleaved rounds (round, then scenario, then
 * contender, each round starting with the next contender; a full GC before each read), after one
 * unmeasured warm-up read each. Ours is the app in-process behind a real
 * HTTP server (the Node entry's adapter), its S3_ENDPOINT the proxy; the peers read a presigned
 * GET URL of the same object through the same proxy.
 */
export async function sideBySide(options: {
  settings: Record<string, string>;
  scenarios: readonly Scenario[];
  latencies: readonly number[];
  rounds: number;
  log: (line: string) => void;
}): Promise<Measured[]> {
  const proxy = await startStorageProxy(options.settings.S3_ENDPOINT ?? "");
  const built = servicesFrom({ ...options.settings, S3_ENDPOINT: proxy.endpoint }, nodeWebSocket);
  const { services: opened, close } = built.open(10);
  const services = { ...opened, log: jsonLogger(() => {}) };
  const app = createApp(async () => ({ services }));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  // As the storage proxy: the server never closes a kept-alive connection first.
  (server as Server).keepAliveTimeout = KEEP_ALIVE_MS;
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const make = factories(services.db, services.storage);
    const pipeline = await make.pipeline(await make.project({ visibility: "public" }));
    const targets: { scenario: Scenario; target: Target; digest: string }[] = [];
    for (const scenario of options.scenarios) {
      const { job } = await make.job(pipeline, { status: "success" });
      const stored = await make.archive(job, scenario.zip);
      const objectUrl = await services.storage.presignGet(stored.key, { expiresIn: 3600 });
      const apiUrl = `${origin}${url.jobArtifactFile(pipeline.project_id, job, scenario.entry)}`;
      targets.push({
        scenario,
        target: { objectUrl, size: stored.size, entry: scenario.entry, apiUrl },
        digest: sha256(scenario.data),
      });
      options.log(`${scenario.label}: ${(scenario.zip.length / 2 ** 20).toFixed(1)} MiB archive stored and indexed`);
    }

    const results: Measured[] = [];
    const once = async (contender: Contender, t: (typeof targets)[number], into?: Measured) => {
      proxy.reset();
      // The garbage of the read before (50 MiB of it, at times) is collected now, not during this one.
      (globalThis as { gc?: () => void }).gc?.();
      const start = performance.now();
      let output: Uint8Array | undefined;
      try {
        output = await contender.read(t.target);
      } catch (error) {
        if (into) {
          into.checked = false;
          const cause = error instanceof Error && error.cause ? ` (${String(error.cause)})` : "";
          into.error ??= `${String(error)}${cause}`.slice(0, 200);
        }
        return;
      }
      const ms = performance.now() - start;
      if (!into) return;
      into.times.push(ms);
      into.requests = proxy.counts().requests;
      into.bytes = proxy.counts().bytes;
      if (sha256(output) !== t.digest) into.checked = false;
    };
    for (const latencyMs of options.latencies) {
      proxy.latencyMs = latencyMs;
      const row = new Map<string, Measured>();
      for (const t of targets) {
        for (const contender of contenders) {
          await once(contender, t);
          const measured: Measured = {
            scenario: t.scenario.label,
            latencyMs,
            contender: contender.name,
            archiveBytes: t.target.size,
            entryBytes: t.scenario.data.length,
            requests: 0,
            bytes: 0,
            times: [],
            checked: true,
          };
          row.set(`${t.scenario.label}\t${contender.name}`, measured);
          results.push(measured);
        }
      }
      for (let round = 0; round < options.rounds; round++) {
        // Each round starts with the next contender, so none is always first after another archive.
        const order = [
          ...contenders.slice(round % contenders.length),
          ...contenders.slice(0, round % contenders.length),
        ];
        for (const t of targets) {
          for (const contender of order) await once(contender, t, row.get(`${t.scenario.label}\t${contender.name}`));
        }
        options.log(`${latencyMs} ms per storage request: round ${round + 1} of ${options.rounds} done`);
      }
    }
    return results;
  } finally {
    server.close();
    await close();
    await proxy.close();
  }
}

/** Each result's median over ours on the same scenario and latency. */
export function ratioToOurs(results: readonly Measured[], m: Measured): number {
  const ours = results.find((r) => r.contender === OURS && r.scenario === m.scenario && r.latencyMs === m.latencyMs);
  return ours ? median(m.times) / median(ours.times) : Number.NaN;
}
