/**
 * The bench's figures, printed as they come and written to docs/benchmarks.md at the end, with the
 * machine and commit they were measured on, so no figure in the docs is typed by hand.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BENCHMARKS_FILE = join(ROOT, "docs/benchmarks.md");

interface Figure {
  /** What was measured, e.g. "archive redirect". */
  measure: string;
  /** The figures, as one line of text. */
  result: string;
}

/**
 * The commit measured, marked when the working tree differs from it (the figures then belong to no
 * commit); the report's own earlier output (`written`) does not count as a difference.
 */
export function commit(written = BENCHMARKS_FILE): string {
  try {
    const git = (...args: string[]) => execFileSync("git", ["-C", ROOT, ...args], { encoding: "utf8" }).trim();
    const head = git("rev-parse", "--short", "HEAD");
    const changed = git(
      "status",
      "--porcelain",
      "--untracked-files=no",
      "--",
      ".",
      `:(exclude)${relative(ROOT, written)}`,
    );
    return changed === "" ? head : `${head} (with uncommitted changes)`;
  } catch {
    return "unknown (no git)";
  }
}

/** The value below which `p` % of `values` fall (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export function machine(): string {
  const cores = cpus();
  const model = cores[0]?.model.trim() ?? "unknown CPU";
  // The load average says whether other work shared the cores while the figures were taken.
  const load = loadavg()[0]?.toFixed(2) ?? "unknown";
  return `${cores.length} cores (${model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB memory, load ${load}, Node ${process.version}, ${process.platform}/${process.arch}`;
}

export function benchReport(settings: string) {
  const figures: Figure[] = [];
  return {
    add(measure: string, result: string) {
      figures.push({ measure, result });
      console.log(`${measure}: ${result}`);
    },
    write(date = new Date()) {
      const rows = figures.map((f) => `| ${f.measure} | ${f.result} |`);
      const text = [
        "# Benchmarks",
        "",
        "Written by `npm run bench` (`test/bench/run.ts`): run it again to refresh this file, and commit the result.",
        "The app runs in-process on Node against the local stack (PostgreSQL and s3rver over loopback), so the",
        "figures compare commits on one machine at a similar load (below); they are not production latencies.",
        "",
        `- Date: ${date.toISOString()}`,
        `- Machine: ${machine()}`,
        `- Commit: ${commit()}`,
        `- Settings: ${settings}`,
        "",
        "| Measure | Result |",
        "|---|---|",
        ...rows,
        "",
      ].join("\n");
      writeFileSync(BENCHMARKS_FILE, text);
      console.log(`written to ${BENCHMARKS_FILE}`);
    },
  };
}
