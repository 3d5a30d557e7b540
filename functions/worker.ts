import { internalError } from "../lib/errors";
import { ConfigError } from "../lib/platform/config";
import { consoleLogger } from "../lib/platform/log";
import { type EdgeCache, servicesFrom } from "../lib/platform/services";
import { runScheduled } from "../lib/scheduled";
import { type App, createApp, errorResponse } from "./app";

type Bindings = Record<string, unknown>;
type Built = ReturnType<typeof servicesFrom>;

// Configuration is validated once per isolate. A bad setting is logged and answers every
// request with a 500 rather than running half-configured.
let cached: { env: Bindings; built: Built | ConfigError } | undefined;

function build(env: Bindings): Built | ConfigError {
  if (cached?.env !== env) {
    try {
      cached = { env, built: servicesFrom(env) };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      consoleLogger.error(error.message);
      cached = { env, built: error };
    }
  }
  return cached.built;
}

let app: App | undefined;

export default {
  fetch(request, env, ctx) {
    const built = build(env);
    if (built instanceof ConfigError) {
      return errorResponse(internalError());
    }
    app ??= createApp(async (c) => {
      // Workers cannot reuse a socket across requests: statements go over HTTP (one fetch each),
      // and only a transaction opens a connection, closed after the response.
      const { services, close } = (build(c.env as Bindings) as Built).openHttp();
      const edgeCache: EdgeCache = {
        match: (key) => caches.default.match(key),
        put: (key, response) => caches.default.put(key, response),
        waitUntil: (promise) => c.executionCtx.waitUntil(promise),
      };
      return { services: { ...services, edgeCache }, release: () => c.executionCtx.waitUntil(close()) };
    });
    return app.fetch(request, env, ctx);
  },

  // The Cron Trigger in wrangler.toml: timed-out jobs fail, then one bounded cleanup pass.
  async scheduled(_controller, env, ctx) {
    const built = build(env);
    if (built instanceof ConfigError) throw built;
    const { services, close } = built.openHttp();
    try {
      await runScheduled(services);
    } finally {
      ctx.waitUntil(close());
    }
  },
} satisfies ExportedHandler<Bindings>;
