import { spawn } from "node:child_process";
import { once } from "node:events";
import { freePort } from "../../lib/local/stack";
import { startLocalWorker } from "../../lib/local/worker";
import { descendants, listenerOn } from "./processes";

/** A running service under soak: where to send requests, whose memory to watch, how to stop it. */
export interface Target {
  readonly name: string;
  readonly origin: URL;
  /**
   * The processes whose memory is watched: first the one serving the requests (the Node entry, or
   * the workerd running the Worker), then any other on the requests' way (wrangler's proxy).
   */
  readonly processes: readonly { readonly role: string; readonly pid: number }[];
  /** Error lines the service logged so far. */
  readonly errorLines: () => number;
  /** The DevTools endpoint of the Worker's isolate, when asked for (startWorkerd). */
  readonly inspectorUrl?: URL;
  stop(): Promise<void>;
}

const ROOT = new URL("../..", import.meta.url);

/** The Node entry (functions/node.ts) in a process of its own, as `npm run serve:node` runs it. */
export async function startNode(settings: Record<string, string>): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "functions/node.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...settings, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let errors = 0;
  let output = "";
  const listening = new Promise<void>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk;
      for (const line of String(chunk).split("\n")) if (line.includes('"level":"error"')) errors++;
      if (output.includes("listening")) resolve();
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.once("exit", (code) => reject(new Error(`the Node entry exited (${code}): ${output.slice(-2000)}`)));
  });
  await listening;
  if (child.pid === undefined) throw new Error("the Node entry has no pid");
  return {
    name: "Node entry (functions/node.ts)",
    origin: new URL(`http://127.0.0.1:${port}`),
    processes: [{ role: "the Node entry", pid: child.pid }],
    errorLines: () => errors,
    async stop() {
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

/** Counts the error lines this process prints (wrangler prints the Worker's logs), until restored. */
function countPrintedErrors() {
  let errors = 0;
  const restore: Array<() => void> = [];
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      for (const line of String(chunk).split("\n")) if (line.includes('"level":"error"')) errors++;
      return write(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = write;
    });
  }
  return {
    count: () => errors,
    restore: () => {
      for (const fn of restore) fn();
    },
  };
}

/**
 * The bundled Worker in workerd (lib/local/worker.ts), as `npm start` runs it. Wrangler runs the
 * Worker in one workerd and, in front of it, a proxy in another, which listens on the URL handed
 * out; both are watched, the Worker's first. A first request makes sure both are up.
 */
export async function startWorkerd(
  settings: Record<string, string>,
  options: { inspectorPort?: number } = {},
): Promise<Target> {
  const before = new Set(descendants(process.pid).map((p) => p.pid));
  const printed = countPrintedErrors();
  const worker = await startLocalWorker({ settings, logLevel: "error", inspectorPort: options.inspectorPort });
  await (await fetch(new URL("/api/v4/version", worker.url))).arrayBuffer();
  const started = descendants(process.pid)
    .filter((p) => p.name === "workerd" && !before.has(p.pid))
    .map((p) => p.pid);
  const proxy = listenerOn(Number(worker.url.port), started);
  const runtime = started.filter((pid) => pid !== proxy);
  const [pid] = runtime.length ? runtime : started;
  if (pid === undefined || runtime.length > 1) throw new Error(`cannot tell the Worker's workerd among ${started}`);
  return {
    name: "Worker in workerd (lib/local/worker.ts)",
    origin: worker.url,
    processes: [
      { role: "the workerd running the Worker", pid },
      ...(proxy !== undefined && proxy !== pid ? [{ role: "wrangler's proxy workerd", pid: proxy }] : []),
    ],
    errorLines: printed.count,
    inspectorUrl: worker.inspectorUrl,
    async stop() {
      await worker.dispose();
      printed.restore();
    },
  };
}
