import { fileURLToPath } from "node:url";
import { unstable_startWorker } from "wrangler";

const WRANGLER_TOML = fileURLToPath(new URL("../../wrangler.toml", import.meta.url));

export interface LocalWorker {
  readonly url: URL;
  /** The DevTools endpoint of the Worker's isolate, when started with `inspectorPort`. */
  readonly inspectorUrl?: URL;
  dispose(): Promise<void>;
}

/**
 * The bundled Worker in workerd, as `wrangler dev` runs it (wrangler's own engine), with the
 * settings handed in as plain-text vars. Used by `npm start` and by the runtime tests.
 */
export async function startLocalWorker(options: {
  settings: Record<string, string>;
  port?: number;
  hostname?: string;
  persistTo?: string;
  logLevel?: "none" | "error" | "warn" | "info" | "log" | "debug";
  /** Opens the isolate's inspector on this port (0: any free one); closed unless given. */
  inspectorPort?: number;
}): Promise<LocalWorker> {
  const worker = await unstable_startWorker({
    config: WRANGLER_TOML,
    sendMetrics: false,
    bindings: Object.fromEntries(
      Object.entries(options.settings).map(([name, value]) => [name, { type: "plain_text", value }]),
    ),
    dev: {
      remote: false,
      watch: false,
      inspector: options.inspectorPort === undefined ? false : { port: options.inspectorPort },
      testScheduled: true,
      persist: options.persistTo ?? false,
      logLevel: options.logLevel ?? "warn",
      server: { hostname: options.hostname ?? "127.0.0.1", port: options.port ?? 0 },
    },
  });
  await worker.ready;
  const inspectorUrl = options.inspectorPort === undefined ? undefined : await worker.inspectorUrl;
  return { url: await worker.url, inspectorUrl, dispose: () => worker.dispose() };
}
