/**
 * `npm run soak`: a bounded soak of the Node entry and of the Worker in workerd, one after the
 * other, against the same local stack (embedded PostgreSQL or TEST_DATABASE_URL, and s3rver), on
 * loopback only. Each gets SOAK_WARMUP (default 20,000, the bench's working size) mixed requests,
 * answers checked, then SOAK_REQUESTS (default 50,000) more, measured, over SOAK_CONNECTIONS
 * (default 64) connections, or SOAK_SECONDS (default 900) of them, whichever ends first; every
 * answer is checked and the serving process's memory sampled. The figures go to docs/soak.md.
 * Exits 1 when any answer was wrong. SOAK_TARGETS (default "node,workerd") picks the targets:
 * "node" the Node entry, "workerd" the Worker as deployed (its bundle on `workerd serve`, the Cache
 * API outside it, as on Cloudflare), "wrangler" the Worker as `npm start` runs it (miniflare's own
 * Workers and wrangler's proxy beside it: docs/soak.md#what-grows-in-workerd).
 */
import { WORKING_REQUESTS } from "../bench/http-load";
import { ADMIN_TOKEN } from "../helpers/harness";
import { scratchStack } from "../helpers/scratch-stack";
import { makeFixtures } from "./fixtures";
import { runLoad } from "./load";
import { memoryFigures, sampleMemory } from "./memory";
import { mix } from "./mix";
import { summary, type TargetFigures, writeSoakReport } from "./report";
import { startNode, startPlainWorkerd, startWorkerd, type Target } from "./targets";

const REQUESTS = Number(process.env.SOAK_REQUESTS ?? 50_000);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 64);
const SECONDS = Number(process.env.SOAK_SECONDS ?? 900);
const TARGETS = (process.env.SOAK_TARGETS ?? "node,workerd").split(",");
/** Requests of the same mix before the measured run, answers checked, memory not sampled. */
const WARMUP = Number(process.env.SOAK_WARMUP ?? WORKING_REQUESTS);
const STARTERS: Record<string, (settings: Record<string, string>) => Promise<Target>> = {
  node: startNode,
  workerd: (settings) => startPlainWorkerd(settings),
  wrangler: startWorkerd,
};

async function soak(target: Target, operations: ReturnType<typeof mix>): Promise<TargetFigures> {
  console.log(
    `${target.name}: ${target.origin.origin}, ${target.processes.map((p) => `${p.role} pid ${p.pid}`).join(", ")}`,
  );
  // To the working size first, as the bench does (WORKING_REQUESTS): memory is judged from there.
  const warmup = await runLoad({
    origin: target.origin,
    connections: CONNECTIONS,
    requests: WARMUP,
    seconds: SECONDS,
    operations,
  });
  for (const example of warmup.examples) console.log(`  warm-up: ${example}`);
  const samplers = target.processes.map((p) => ({ role: p.role, sampler: sampleMemory(p.pid) }));
  const load = await runLoad({
    origin: target.origin,
    connections: CONNECTIONS,
    requests: REQUESTS,
    seconds: SECONDS,
    operations,
    onTick: (done) => {
      if (process.stdout.isTTY) process.stdout.write(`\r${done} requests`);
    },
  });
  const [served, ...others] = samplers.map((s) => ({ role: s.role, memory: memoryFigures(s.sampler.stop()) }));
  if (!served) throw new Error(`${target.name}: no process watched`);
  const figures = {
    name: target.name,
    role: served.role,
    load,
    memory: served.memory,
    others,
    loggedErrors: target.errorLines(),
    warmup: { requests: warmup.requests, errors: warmup.errors },
  };
  console.log(`\n${summary(figures)}`);
  for (const example of load.examples) console.log(`  ${example}`);
  return figures;
}

async function main() {
  for (const name of TARGETS) if (!STARTERS[name]) throw new Error(`SOAK_TARGETS: unknown target ${name}`);
  const stack = await scratchStack("soak");
  const results: TargetFigures[] = [];
  try {
    const settings = { ...stack.settings, ADMIN_TOKEN };
    const operations = mix(await makeFixtures(settings));
    for (const name of TARGETS) {
      const target = await STARTERS[name]?.(settings);
      if (!target) continue;
      try {
        results.push(await soak(target, operations));
      } finally {
        await target.stop();
      }
    }
    writeSoakReport(
      `SOAK_WARMUP=${WARMUP}, SOAK_REQUESTS=${REQUESTS}, SOAK_CONNECTIONS=${CONNECTIONS}, SOAK_SECONDS=${SECONDS}, ` +
        `database ${stack.database}`,
      results,
    );
  } finally {
    await stack.stop();
  }
  if (results.some((r) => r.load.errors + r.warmup.errors > 0)) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
