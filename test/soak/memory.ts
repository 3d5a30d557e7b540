import { rssOf } from "./processes";

/** One reading: seconds since the sampler started, resident memory in bytes. */
export interface Sample {
  readonly at: number;
  readonly rss: number;
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
  /** The average of each tenth of the run, so the shape shows (a climb that levels off, or a slope). */
  readonly tenths: number[];
}

/** Resident memory may grow by this much from the second quarter to the last and count as flat. */
export const FLAT_GROWTH = 0.1;

/**
 * Start, middle and end readings, and the last quarter's average against the second quarter's
 * (the first quarter is warm-up: JIT, pools, caches).
 */
export function memoryFigures(samples: readonly Sample[]): MemoryFigures {
  const average = (part: readonly Sample[]) => part.reduce((sum, s) => sum + s.rss, 0) / Math.max(1, part.length);
  const part = (n: number, of: number) =>
    samples.slice(Math.floor((n * samples.length) / of), Math.floor(((n + 1) * samples.length) / of));
  const secondQuarter = average(part(1, 4));
  const lastQuarter = average(part(3, 4));
  const growth = lastQuarter / secondQuarter - 1;
  return {
    start: samples[0]?.rss ?? 0,
    mid: samples[Math.floor(samples.length / 2)]?.rss ?? 0,
    end: samples.at(-1)?.rss ?? 0,
    secondQuarter,
    lastQuarter,
    growth,
    flat: growth <= FLAT_GROWTH,
    tenths: Array.from({ length: 10 }, (_, n) => average(part(n, 10))),
  };
}
