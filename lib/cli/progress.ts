import { SingleBar } from "cli-progress";

/** How often a bar is written when stderr is not a terminal (`--progress` into a log). */
const LOG_EVERY_MS = 1000;
const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** `1536` -> `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** A byte counter: a bar on stderr with bytes done, size and rate, or nothing at all. */
export interface Progress {
  /** `total` is unknown when the answer has no Content-Length; `from` is where a resumed transfer starts. */
  start(total: number | undefined, from?: number): void;
  add(bytes: number): void;
  stop(): void;
}

const silent: Progress = { start() {}, add() {}, stop() {} };

/**
 * A cli-progress bar on `stream`, drawn in place on a terminal and one line a second elsewhere.
 * The rate counts only this run's bytes, not what an earlier, interrupted run fetched.
 */
export function progressBar(label: string, stream: NodeJS.WriteStream, enabled: boolean): Progress {
  if (!enabled) return silent;
  let known = true;
  let from = 0;
  let value = 0;
  const bar = new SingleBar({
    stream,
    noTTYOutput: true,
    notTTYSchedule: LOG_EVERY_MS,
    hideCursor: false,
    gracefulExit: false,
    format: (_options, params) => {
      const seconds = Math.max((Date.now() - params.startTime) / 1000, 0.001);
      const rate = `${formatBytes(Math.round((params.value - from) / seconds))}/s`;
      if (!known) return `${label} ${formatBytes(params.value)} | ${rate}`;
      const percent = params.total > 0 ? Math.floor((params.value / params.total) * 100) : 100;
      const filled = Math.round((percent / 100) * 30);
      const shape = `${"█".repeat(filled)}${"░".repeat(30 - filled)}`;
      return `${label} ${shape} ${percent}% | ${formatBytes(params.value)} / ${formatBytes(params.total)} | ${rate}`;
    },
  });
  return {
    start(total, start = 0) {
      known = total !== undefined;
      from = start;
      value = start;
      bar.start(total ?? 0, start);
    },
    add(bytes) {
      value += bytes;
      bar.update(value);
    },
    stop() {
      bar.stop();
      if (stream.isTTY) stream.write("\n");
    },
  };
}
