import { readdirSync } from "node:fs";
import { routes } from "../bench/http-load";
import type { Fixtures } from "./fixtures";
import { runLoad } from "./load";
import { type Answer, expectStatus, mix, type Operation, one } from "./mix";

/** The answer is `status`, with `body` when given (as autocannon's expectBody checks it). */
const answerCheck = (status: number, body?: string) => (answer: Answer) =>
  expectStatus(answer, status) ??
  (body === undefined || Buffer.from(answer.body).toString() === body ? undefined : "body differs");

/**
 * `npm run bench`'s load-table routes (test/bench/http-load.ts) as operations: "bench" the first
 * three (archive 302, the small public file, the same by ref; equal shares, interleaved),
 * "small-file" the public file alone (kept in the Cache API after its first read),
 * "private-small-file" the same file of the private project with a Reporter's token (never cached).
 */
function benchOperations(kind: string, f: Fixtures): Operation[] | undefined {
  const [archive, small, byRef, privateSmall] = routes(f).map((r) =>
    one(1, () => ({ kind: r.name, path: r.path, headers: r.headers, check: answerCheck(r.status, r.body) })),
  );
  if (kind === "bench") return [archive, small, byRef] as Operation[];
  if (kind === "small-file") return [small as Operation];
  if (kind === "private-small-file") return [privateSmall as Operation];
  return undefined;
}

/**
 * PROBE_KIND's operations: one of mix()'s by position, all of them ("mixed"), the bench's routes
 * (benchOperations), or "version", a request that touches neither database nor storage (GitLab's
 * version route is not served: 404).
 */
export function probeOperations(kind: string, fixtures: Fixtures): Operation[] {
  const at: Record<string, number> = { archive: 0, file: 3, range: 5, "missing-job": 8, upload: 10 };
  const all = mix(fixtures);
  if (kind === "mixed") return all;
  const bench = benchOperations(kind, fixtures);
  if (bench) return bench;
  if (kind === "version") {
    return [
      {
        weight: 1,
        calls: 1,
        run: async (send) =>
          void (await send({
            kind: "version 404",
            path: "/api/v4/version",
            check: (a) => (a.status === 404 ? undefined : `status ${a.status}`),
          })),
      },
    ];
  }
  const op = all[at[kind] ?? -1];
  if (!op) throw new Error(`PROBE_KIND: unknown kind ${kind}`);
  return [op];
}

export const MiB = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** How many descriptors (sockets, files) the process holds open. */
export function descriptors(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

/** PROBE_* settings shared by soak:probe and soak:plain. */
export const PROBE = {
  kind: process.env.PROBE_KIND ?? "archive",
  requests: Number(process.env.PROBE_REQUESTS ?? 20_000),
  connections: Number(process.env.PROBE_CONNECTIONS ?? 16),
  steps: Number(process.env.PROBE_STEPS ?? 5),
};

/** Sends PROBE.requests in PROBE.steps steps, printing wrong answers; `after` measures each step. */
export async function inSteps(
  origin: URL,
  operations: Operation[],
  after: (done: number, seconds: number, errors: number) => Promise<void> | void,
): Promise<void> {
  let done = 0;
  for (let step = 0; step < PROBE.steps; step++) {
    const load = await runLoad({
      origin,
      connections: PROBE.connections,
      requests: PROBE.requests / PROBE.steps,
      seconds: 3600,
      operations,
    });
    done += load.requests;
    for (const example of load.examples) console.log(`  ${example}`);
    await after(done, load.seconds, load.errors);
  }
}
