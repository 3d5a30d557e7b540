import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../lib/local/stack";
import { startLocalWorker } from "../../lib/local/worker";
import { startEdgeCacheService } from "./edge-cache-service";
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
  /** The DevTools endpoint of the Worker's isolate, when asked for. */
  readonly inspectorUrl?: URL;
  stop(): Promise<void>;
}

const ROOT = new URL("../..", import.meta.url);

/** The Node entry (functions/node.ts) in a process of its own, as `npm run serve:node` runs it. */
export async function startNode(
  settings: Record<string, string>,
  options: { inspectorPort?: number } = {},
): Promise<Target> {
  const port = await freePort();
  const inspect = options.inspectorPort === undefined ? [] : [`--inspect=127.0.0.1:${options.inspectorPort}`];
  const child = spawn(process.execPath, [...inspect, "--import", "tsx", "functions/node.ts"], {
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
      if (output.includes("artifact-edge listening")) resolve();
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
    inspectorUrl: options.inspectorPort === undefined ? undefined : new URL(`ws://127.0.0.1:${options.inspectorPort}`),
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

/** Counts error lines in what a child process prints. */
function errorLinesOf(stream: NodeJS.ReadableStream | null) {
  let errors = 0;
  stream?.on("data", (chunk) => {
    for (const line of String(chunk).split("\n")) if (line.includes('"level":"error"')) errors++;
  });
  return () => errors;
}

/** wrangler.toml's compatibility date and flags and its [vars], as the deployed Worker gets them. */
function deployed() {
  const toml = readFileSync(fileURLToPath(new URL("wrangler.toml", ROOT)), "utf8");
  const date = /^compatibility_date = "([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags = (\[[^\]]*\])/m.exec(toml)?.[1];
  if (!date || !flags) throw new Error("wrangler.toml: no compatibility_date or compatibility_flags");
  const vars = toml.split(/^\[vars\]$/m)[1]?.split(/^\[/m)[0] ?? "";
  const settings = Object.fromEntries([...vars.matchAll(/^(\w+) = "([^"]*)"$/gm)].map((m) => [m[1], m[2]]));
  return { date, flags: JSON.parse(flags) as string[], vars: settings as Record<string, string> };
}

/**
 * The Worker as deployed, on workerd's own server: the bundle `wrangler deploy --dry-run` writes
 * (or `module`, a control Worker of test/soak/controls/), served by `workerd serve` with a minimal
 * config: wrangler.toml's [vars] and the settings as text bindings, its compatibility date and
 * flags, outbound traffic allowed to local addresses, and the Cache API answered by an edge cache outside the
 * workerd (test/soak/edge-cache-service.ts), as Cloudflare's cache is outside an isolate. No
 * miniflare: the workerd runs the Worker's isolate and nothing else. `v8Flags` go to workerd's
 * Config.v8Flags.
 */
export async function startPlainWorkerd(
  settings: Record<string, string>,
  options: { module?: string; inspectorPort?: number; v8Flags?: readonly string[] } = {},
): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), "artifact-edge-plain-"));
  const cache = await startEdgeCacheService();
  try {
    if (options.module) {
      copyFileSync(options.module, join(dir, "worker.js"));
    } else {
      const built = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", dir], {
        cwd: ROOT,
        encoding: "utf8",
      });
      if (built.status !== 0) throw new Error(`wrangler deploy --dry-run: ${built.stderr}`);
    }
    const port = await freePort();
    const { date, flags, vars } = deployed();
    const bindings = Object.entries({ ...vars, ...settings })
      .map(([name, text]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(text)})`)
      .join(", ");
    writeFileSync(
      join(dir, "config.capnp"),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  v8Flags = ${JSON.stringify(options.v8Flags ?? [])},
  services = [
    (name = "main", worker = .worker),
    (name = "net", network = (allow = ["public", "private", "local"])),
    (name = "cache", external = (address = ${JSON.stringify(cache.address)}, http = ())),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = ${JSON.stringify(date)},
  compatibilityFlags = ${JSON.stringify(flags)},
  bindings = [${bindings}],
  globalOutbound = "net",
  cacheApiOutbound = "cache",
);
`,
    );
    const inspector =
      options.inspectorPort === undefined ? [] : [`--inspector-addr=127.0.0.1:${options.inspectorPort}`];
    const child = spawn(
      fileURLToPath(new URL("node_modules/workerd/bin/workerd", ROOT)),
      ["serve", ...inspector, join(dir, "config.capnp")],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const errorLines = [errorLinesOf(child.stdout), errorLinesOf(child.stderr)];
    const origin = new URL(`http://127.0.0.1:${port}`);
    for (let tries = 0; ; tries++) {
      const up = await fetch(origin).then(
        (r) => r.arrayBuffer().then(() => true),
        () => false,
      );
      if (up) break;
      if (tries > 300 || child.exitCode !== null) {
        child.kill();
        throw new Error("workerd did not start");
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (child.pid === undefined) throw new Error("workerd has no pid");
    return {
      name: "Worker in workerd (the deployed bundle, workerd serve)",
      origin,
      processes: [{ role: "the workerd running the Worker", pid: child.pid }],
      errorLines: () => errorLines.reduce((sum, count) => sum + count(), 0),
      inspectorUrl:
        options.inspectorPort === undefined ? undefined : new URL(`ws://127.0.0.1:${options.inspectorPort}`),
      async stop() {
        child.kill("SIGTERM");
        if (child.exitCode === null) await once(child, "exit");
        await cache.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
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
    name: "Worker under wrangler (lib/local/worker.ts, as npm start runs it)",
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
