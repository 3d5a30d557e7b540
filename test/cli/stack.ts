import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll } from "vitest";
import { createApp } from "../../functions/app";
import { nodeWebSocket } from "../../lib/local/node-websocket";
import { jsonLogger } from "../../lib/platform/log";
import { servicesFrom } from "../../lib/platform/services";
import { factories } from "../helpers/factories";
import { type FaultProxy, startFaultProxy } from "../helpers/fault-proxy";
import { ADMIN_TOKEN, settings } from "../helpers/harness";

/** The launcher `npx artifact-edge` runs (package.json "bin"). */
const LAUNCHER = fileURLToPath(new URL("../../functions/cli.mjs", import.meta.url));
/** A command that has not ended by then is killed, and the test fails on its exit code. */
const CLI_TIMEOUT_MS = 25_000;
/**
 * For a test that runs several commands: each is a Node process loading tsx, about a second on
 * two cores shared with the rest of the suite.
 */
export const SPAWNING = { timeout: 120_000 };

/** The stack's largest archive, small enough for a test to pass it. */
export const MAX_ARTIFACT_SIZE = 1024 * 1024;

/** A request the server saw, as it arrived. */
export interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
}

export interface Ran {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  /** stdout as text. */
  readonly out: string;
}

/**
 * The Node entry's app on a loopback port, with real PostgreSQL and the run's S3 server, and two
 * fault proxies: `api` in front of the service (the URL the command line is given) and
 * `storage` in front of S3 (the host of presigned URLs), so a transfer can be cut either way.
 */
export function cliStack() {
  const base = settings();
  const seen: Seen[] = [];
  const home = mkdtempSync(join(tmpdir(), "artifact-edge-cli-"));
  const state = {} as {
    server: Server;
    api: FaultProxy;
    storage: FaultProxy;
    close: () => Promise<void>;
    make: ReturnType<typeof factories>;
  };

  beforeAll(async () => {
    const s3 = new URL(base.S3_ENDPOINT ?? "");
    state.storage = await startFaultProxy({ host: s3.hostname, port: Number(s3.port) });
    const built = servicesFrom(
      { ...base, S3_ENDPOINT: `http://${state.storage.address}`, MAX_ARTIFACT_SIZE: String(MAX_ARTIFACT_SIZE) },
      nodeWebSocket,
    );
    const opened = built.open(4);
    state.close = opened.close;
    const services = { ...opened.services, log: jsonLogger(() => {}) };
    state.make = factories(services.db, services.storage);
    const app = createApp(async () => ({ services }));
    state.server = serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request: Request) => {
        const url = new URL(request.url);
        seen.push({
          method: request.method,
          path: `${url.pathname}${url.search}`,
          headers: Object.fromEntries(request.headers),
        });
        return app.fetch(request);
      },
    }) as Server;
    if (!state.server.listening) await once(state.server, "listening");
    state.api = await startFaultProxy({ host: "127.0.0.1", port: (state.server.address() as AddressInfo).port });
  });
  afterAll(async () => {
    await state.api?.close();
    await new Promise((resolve) => state.server?.close(resolve));
    await state.storage?.close();
    await state.close?.();
    rmSync(home, { recursive: true, force: true });
  });

  /** Runs `node functions/cli.mjs ...args` with a clean environment: no token but what `env` gives. */
  async function cli(args: readonly string[], options: { env?: Record<string, string>; input?: string } = {}) {
    const child = spawn(process.execPath, [LAUNCHER, ...args], {
      cwd: home,
      env: { PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: join(home, "config"), ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdin.end(options.input ?? "");
    const timer = setTimeout(() => child.kill("SIGKILL"), CLI_TIMEOUT_MS);
    const [code] = (await once(child, "close")) as [number | null];
    clearTimeout(timer);
    const bytes = Buffer.concat(stdout);
    return { code, stdout: bytes, stderr, out: bytes.toString() } satisfies Ran;
  }

  return {
    /** The service's URL for the command line (through the `api` proxy). */
    get url() {
      return `http://${state.api.address}`;
    },
    get api() {
      return state.api;
    },
    get storage() {
      return state.storage;
    },
    get make() {
      return state.make;
    },
    home,
    seen,
    cli,
    /** `cli` with `--url` and the admin token. */
    admin: (args: readonly string[]) => cli([...args, "--url", `http://${state.api.address}`, "--token", ADMIN_TOKEN]),
  };
}
