import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** One way of reaching PostgreSQL's figures (index-upload.ts): `tcp` (the Node entry's) or `websocket` (the Worker's driver). */
export interface UploadFigures {
  readonly database: string;
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
 * own, and runs as a script): run it in a child process with `rounds` and read its summary lines,
 * one per way of reaching PostgreSQL.
 */
export async function uploadComparison(
  rounds: number,
  log: (line: string) => void,
  entries = 70_000,
): Promise<UploadFigures[]> {
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
  const summaries = [
    ...output.matchAll(/median \((\w+)\): (\d+) entries (\d+) ms, two entries (\d+) ms, ratio ([\d.]+)/g),
  ];
  if (code !== 0 || summaries.length === 0) throw new Error(`index-upload.ts exited ${code}: ${output.slice(-500)}`);
  const sizes = /^\d+ entries: .*$/m.exec(output)?.[0] ?? "";
  return summaries.map((m) => ({
    database: m[1] ?? "",
    entries: Number(m[2]),
    manyMs: Number(m[3]),
    twoMs: Number(m[4]),
    ratio: Number(m[5]),
    sizes,
  }));
}
