import autocannon from "autocannon";
import { url } from "../helpers/harness";
import { FILES, type Fixtures } from "../soak/fixtures";
import { rssOf } from "../soak/processes";
import type { Target } from "../soak/targets";

/** One route under load on one runtime. */
export interface LoadFigures {
  readonly runtime: string;
  readonly route: string;
  readonly requests: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** Transport errors, time-outs, answers with another status and bodies that differ. */
  readonly errors: number;
}

/** The serving process's resident set around every request of the load. */
export interface MemoryFigures {
  readonly runtime: string;
  readonly requests: number;
  /** After the warm-up. */
  readonly before: number;
  /** After the first route's load (`loadedAt` requests): the process at its working size. */
  readonly loaded: number;
  readonly loadedAt: number;
  readonly after: number;
}

interface Route {
  readonly name: string;
  readonly path: string;
  readonly status: number;
  readonly body?: string;
}

/** The routes of the load table: the archive 302, a small file by job id, and the same file by ref. */
export function routes(f: Fixtures): Route[] {
  const readme = new TextDecoder().decode(FILES["README.md"]);
  return [
    { name: "archive 302", path: url.jobArtifacts(f.publicProject, f.publicJob), status: 302 },
    {
      name: "small file 200",
      path: url.jobArtifactFile(f.publicProject, f.publicJob, "README.md"),
      status: 200,
      body: readme,
    },
    {
      name: "ref file 200 (raw by ref)",
      path: url.refArtifactFile(f.publicProject, f.ref, "README.md", "build"),
      status: 200,
      body: readme,
    },
  ];
}

/**
 * autocannon against one route: `connections` kept-alive connections for `seconds`, or for
 * `amount` requests (then bounded by `seconds` all the same). Redirects are not followed.
 */
async function cannon(origin: URL, route: Route, options: { connections: number; seconds: number; amount?: number }) {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: new URL(route.path, origin).toString(),
          connections: options.connections,
          duration: options.seconds,
          amount: options.amount,
          expectBody: route.body,
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
      // With `amount`, autocannon ignores the duration: stop it by hand so the bench stays bounded.
      timer = setTimeout(() => instance.stop(), options.seconds * 1000 + 5000);
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The load table's rows for one runtime, then its memory: RSS after a warm-up, and again once
 * every route has had its `seconds` and, if they made fewer than `memoryRequests` in all, the
 * small file the rest (bounded by `memorySeconds`).
 */
export async function loadRuntime(
  target: Target,
  fixtures: Fixtures,
  options: {
    runtime: string;
    connections: number;
    seconds: number;
    memoryRequests: number;
    memorySeconds: number;
    log: (line: string) => void;
  },
): Promise<{ rows: LoadFigures[]; memory: MemoryFigures }> {
  const [served] = target.processes;
  if (!served) throw new Error(`${target.name}: no process to watch`);
  const list = routes(fixtures);
  // Warm-up (JIT, connections, the isolate): unmeasured.
  for (const route of list) await cannon(target.origin, route, { connections: 4, seconds: 1, amount: 100 });
  const before = rssOf(served.pid) ?? 0;
  let total = 0;
  const rows: LoadFigures[] = [];
  let loaded: { rss: number; at: number } | undefined;
  for (const route of list) {
    const result = await cannon(target.origin, route, { connections: options.connections, seconds: options.seconds });
    const answered = result.statusCodeStats?.[`${route.status}`]?.count ?? 0;
    const sent = result.requests.total;
    total += sent + result.errors;
    const row = {
      runtime: options.runtime,
      route: route.name,
      requests: sent,
      perSecond: sent / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors + (sent - answered) + (result.mismatches ?? 0),
    };
    options.log(
      `${row.runtime} ${row.route}: ${row.perSecond.toFixed(0)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, ${row.errors} errors`,
    );
    rows.push(row);
    loaded ??= { rss: rssOf(served.pid) ?? 0, at: total };
  }
  const small = list[1];
  // Topped up only when the rate seen so far can reach the count within the bound; else the page says how far it got.
  const rate = total / (options.seconds * list.length);
  if (small && total < options.memoryRequests && (options.memoryRequests - total) / rate <= options.memorySeconds) {
    const rest = await cannon(target.origin, small, {
      connections: options.connections,
      seconds: options.memorySeconds,
      amount: options.memoryRequests - total,
    });
    total += rest.requests.total + rest.errors;
  }
  const memory = {
    runtime: options.runtime,
    requests: total,
    before,
    loaded: loaded?.rss ?? 0,
    loadedAt: loaded?.at ?? 0,
    after: rssOf(served.pid) ?? 0,
  };
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  options.log(
    `${memory.runtime} RSS ${mib(memory.before)} -> ${mib(memory.loaded)} (after ${memory.loadedAt} requests) -> ${mib(memory.after)} MiB over ${total} requests`,
  );
  return { rows, memory };
}
