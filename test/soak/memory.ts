import { readdirSync, readFileSync } from "node:fs";

/** One reading: seconds since the sampler started, resident memory in bytes. */
export interface Sample {
  readonly at: number;
  readonly rss: number;
}

/** The resident set of a process (Linux /proc), or undefined once it has gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The processes descending from `root` (children, their children, ...), with their names. */
export function descendants(root: number): { pid: number; name: string; commandLine: string }[] {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // stat: "pid (name) state ppid ..."; the name may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      names.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
      parents.set(Number(entry), Number(stat.slice(close + 2).split(" ")[1]));
    } catch {
      // The process ended while being read.
    }
  }
  const found: { pid: number; name: string; commandLine: string }[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent !== pid) continue;
      let commandLine = "";
      try {
        commandLine = readFileSync(`/proc/${child}/cmdline`, "utf8").split("\0").join(" ");
      } catch {}
      found.push({ pid: child, name: names.get(child) ?? "", commandLine });
      walk(child);
    }
  };
  walk(root);
  return found;
}

/** Samples `pid`'s resident memory every `intervalMs` until stopped. */
export function sampleMemory(pid: number, intervalMs = 250) {
  const started = performance.now();
  const samples: Sample[] = [];
  const take = () => {
    const rss = rssOf(pid);
    if (rss !== undefined) samples.push({ at: (performance.now() - started) / 1000, rss });
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop(): Sample[] {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

export interface MemoryFigures {
  readonly start: number;
  readonly mid: number;
  readonly end: number;
  readonly secondQuarter: number;
  readonly lastQuarter: number;
  /** lastQuarter / secondQuarter - 1: how much the resident set grew between the two. */
  readonly growth: number;
  readonly flat: boolean;
}

/** Resident memory may grow by this much from the second quarter to the last and count as flat. */
export const FLAT_GROWTH = 0.1;

/**
 * Start, middle and end readings, and the last quarter's average against the second quarter's
 * (the first quarter is warm-up: JIT, pools, caches).
 */
export function memoryFigures(samples: readonly Sample[]): MemoryFigures {
  const average = (part: readonly Sample[]) => part.reduce((sum, s) => sum + s.rss, 0) / Math.max(1, part.length);
  const quarter = (n: number) =>
    samples.slice(Math.floor((n * samples.length) / 4), Math.floor(((n + 1) * samples.length) / 4));
  const secondQuarter = average(quarter(1));
  const lastQuarter = average(quarter(3));
  const growth = lastQuarter / secondQuarter - 1;
  return {
    start: samples[0]?.rss ?? 0,
    mid: samples[Math.floor(samples.length / 2)]?.rss ?? 0,
    end: samples.at(-1)?.rss ?? 0,
    secondQuarter,
    lastQuarter,
    growth,
    flat: growth <= FLAT_GROWTH,
  };
}
