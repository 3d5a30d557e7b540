/**
 * The soak's figures, written to docs/soak.md with the machine and commit they were measured on,
 * so no figure in the docs is typed by hand (as test/bench/report.ts does for performance.md).
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { commit, keptPart, machine, percentile } from "../bench/report";
import type { LoadResult } from "./load";
import { FLAT_GROWTH, type MemoryFigures } from "./memory";

const SOAK_FILE = fileURLToPath(new URL("../../docs/soak.md", import.meta.url));
/** Where the hand-written part of docs/soak.md starts (npm run soak:probe's findings): kept as is. */
const KEPT_HEADING = "\n## What grows in workerd";

export interface TargetFigures {
  readonly name: string;
  /** The serving process, as the report names it. */
  readonly role: string;
  readonly load: LoadResult;
  /** The serving process's memory... */
  readonly memory: MemoryFigures;
  /** ...and that of any other process on the requests' way (wrangler's proxy in front of workerd). */
  readonly others: readonly { readonly role: string; readonly memory: MemoryFigures }[];
  /** Error lines the service logged during the run. */
  readonly loggedErrors: number;
  /** The requests before the measured run (to the working size), and their wrong answers. */
  readonly warmup: { readonly requests: number; readonly errors: number };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const tenths = (m: MemoryFigures) => `${m.tenths.map((v) => (v / 2 ** 20).toFixed(0)).join(", ")} MiB`;
const rssLine = (m: MemoryFigures) => `${mib(m.start)} / ${mib(m.mid)} / ${mib(m.end)}`;

export function memoryVerdict(m: MemoryFigures): string {
  const change = `${m.growth >= 0 ? "+" : ""}${(m.growth * 100).toFixed(1)} %`;
  return m.flat ? `flat (${change})` : `grows (${change})`;
}

/** One line per target, for the console. */
export function summary(t: TargetFigures): string {
  const { load, memory } = t;
  return (
    `${t.name}: ${load.requests} requests in ${load.seconds.toFixed(1)} s (${(load.requests / load.seconds).toFixed(0)} req/s), ` +
    `p50 ${ms(percentile(load.latencies, 50))}, p99 ${ms(percentile(load.latencies, 99))}, ${load.errors} errors, ` +
    `${t.loggedErrors} error lines logged; RSS ${rssLine(memory)}, memory ${memoryVerdict(memory)}` +
    t.others.map((o) => `; ${o.role}: RSS ${rssLine(o.memory)}, ${memoryVerdict(o.memory)}`).join("") +
    (load.timedOut ? "; stopped by the time bound" : "")
  );
}

function section(t: TargetFigures): string[] {
  const kinds = [...t.load.byKind.entries()].sort(([a], [b]) => a.localeCompare(b));
  return [
    `### ${t.name}`,
    "",
    `Warm-up before the measured run: ${t.warmup.requests} requests, ${t.warmup.errors} errors.`,
    `RSS of ${t.role}, average of each tenth of the measured run: ${tenths(t.memory)}.`,
    "",
    ...t.others.flatMap((o) => [
      `Also on the requests' way, ${o.role}: RSS ${rssLine(o.memory)} (start / mid / end), ` +
        `${mib(o.memory.secondQuarter)} → ${mib(o.memory.lastQuarter)} from the second quarter to the last: ` +
        `${memoryVerdict(o.memory)}; by tenth: ${tenths(o.memory)}.`,
      "",
    ]),
    "| Kind | Requests | Errors | p50 | p99 |",
    "|---|---|---|---|---|",
    ...kinds.map(
      ([kind, k]) =>
        `| ${kind} | ${k.count} | ${k.errors} | ${ms(percentile(k.latencies, 50))} | ${ms(percentile(k.latencies, 99))} |`,
    ),
    "",
    ...(t.load.examples.length
      ? ["Errors (first distinct ones):", "", ...t.load.examples.map((e) => `- ${e}`), ""]
      : []),
  ];
}

export function writeSoakReport(settings: string, targets: readonly TargetFigures[], date = new Date()) {
  const row = (t: TargetFigures) => {
    const { load, memory } = t;
    return (
      `| ${t.name} | ${load.requests}${load.timedOut ? " (time bound)" : ""} | ${load.seconds.toFixed(1)} s | ` +
      `${(load.requests / load.seconds).toFixed(0)} | ${ms(percentile(load.latencies, 50))} | ${ms(percentile(load.latencies, 99))} | ` +
      `${load.errors} | ${t.loggedErrors} | ${rssLine(memory)} | ` +
      `${mib(memory.secondQuarter)} → ${mib(memory.lastQuarter)}: ${memoryVerdict(memory)} |`
    );
  };
  const text = [
    "# Soak",
    "",
    "Written by `npm run soak` (`test/soak/run.ts`): run it again to refresh this file, and commit the result.",
    "The targets: the Node entry; the Worker as deployed (its bundle from `wrangler deploy --dry-run` on",
    "`workerd serve`, the Cache API answered by an edge cache outside the workerd, as Cloudflare's cache is",
    "outside an isolate: `startPlainWorkerd` in test/soak/targets.ts); with `SOAK_TARGETS=...,wrangler`, the",
    "Worker as `npm start` runs it, beside miniflare's own Workers (see [What grows in workerd](#what-grows-in-workerd)).",
    "They serve the same local stack (PostgreSQL and s3rver) over loopback, one after the other,",
    "under a mixed load on kept-alive connections (undici's Pool): archive redirects by job and by ref,",
    "whole files, ranges, private reads with a token, GitLab's 404s, and uploads (a job made with the",
    "admin API, its archive uploaded with the job token as a runner does, a file of it read back).",
    "Every answer is checked (status, and for files every byte); an error is a wrong answer or a",
    "transport failure. RSS is the serving process's (the Node entry, or the workerd running the",
    "Worker; under wrangler, its proxy workerd is shown under the table), sampled every 250 ms.",
    "Each target first serves SOAK_WARMUP requests of the same mix (answers checked, memory not sampled),",
    "to the working size the bench judges memory from (`WORKING_REQUESTS`, test/bench/http-load.ts);",
    `then, over the measured run, memory counts as flat when the last quarter's average is at most`,
    `${(FLAT_GROWTH * 100).toFixed(0)} % above the second quarter's.`,
    "Latencies are measured by the load generator, which shares its Node process with s3rver and the",
    "PostgreSQL WebSocket bridge and the machine's cores with everything else (the load below), so",
    "they compare commits on one machine; they are not production figures.",
    "",
    `- Date: ${date.toISOString()}`,
    `- Machine: ${machine()}`,
    `- Commit: ${commit(SOAK_FILE)}`,
    `- Settings: ${settings}`,
    "",
    "| Target | Requests | Time | req/s | p50 | p99 | Errors | Error lines logged | RSS start / mid / end | RSS 2nd → last quarter |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...targets.map(row),
    "",
    "## By kind of request",
    "",
    ...targets.flatMap(section),
  ].join("\n");
  const kept = keptPart(SOAK_FILE, KEPT_HEADING);
  writeFileSync(SOAK_FILE, kept ? `${text.trimEnd()}\n${kept}` : text);
  console.log(`written to ${SOAK_FILE}`);
}
