import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface UploadFigures {
  readonly entries: number;
  readonly manyMs: number;
  readonly twoMs: number;
  readonly ratio: number;
  /** The archive sizes, as index-upload.ts prints them. */
  readonly sizes: string;
}

const SCRIPT = fileURLToPath(new URL("./index-upload.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The upload comparison (issue 9 goal 5) is test/bench/index-upload.ts's own (it has a stack of its
 * own, and runs as a script): run it in a child process with `rounds` and read its summary line.
 */
export async function uploadComparison(
  rounds: number,
  log: (line: string) => void,
  entries = 70_000,
): Promise<UploadFigures> {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], {
    cwd: ROOT,
    env: { ...process.env, BENCH_ROUNDS: String(rounds), BENCH_ENTRIES: String(entries) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk;
    for (const line of String(chunk).split("\n")) if (line.trim()) log(`upload: ${line.trim()}`);
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const summary = /median: (\d+) entries (\d+) ms, two entries (\d+) ms, ratio ([\d.]+)/.exec(output);
  if (code !== 0 || !summary) throw new Error(`index-upload.ts exited ${code}: ${output.slice(-500)}`);
  return {
    entries: Number(summary[1]),
    manyMs: Number(summary[2]),
    twoMs: Number(summary[3]),
    ratio: Number(summary[4]),
    sizes: /^\d+ entries: .*$/m.exec(output)?.[0] ?? "",
  };
}
