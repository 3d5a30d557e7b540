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

/**
 * The serving process's resident set: after the warm-up, at its working size (WORKING_REQUESTS
 * served, load table included), and after `requests` more, the four routes in turn.
 */
export interface MemoryFigures {
  readonly runtime: string;
  /** Requests served in all, the load table's included. */
  readonly served: number;
  /** After the warm-up. */
  readonly before: number;
  /** At the working size, or undefined when the time bound ended the load before it. */
  readonly working?: number;
  /** Requests across which memory is judged: from the working size to the end. */
  readonly requests: number;
  readonly after: number;
}

/**
 * Requests before a process is taken to be at its working size. docs/soak.md measured the
 * Worker's workerd climbing for its first 15,000 to 20,000 requests (V8 sizing its heap to the
 * load) and holding after; flatness is judged from here on.
 */
export const WORKING_REQUESTS = 20_000;

interface Route {
  readonly name: string;
  readonly path: string;
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

/**
 * The routes of the load table: the archive 302, a small public file by job id (kept in the edge
 * cache after its first read: the Cache API on workerd, memory on the Node entry), the same file by
 * ref, and the same file of a private project read with a Reporter's token (never cached: storage
 * is read every time).
 */
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
    {
      name: "private small file 200 (token, not cached)",
      path: url.jobArtifactFile(f.privateProject, f.privateJob, "README.md"),
      status: 200,
      body: readme,
      headers: { "PRIVATE-TOKEN": f.reporterToken },
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
          headers: route.headers,
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
 * The load table's rows for one runtime, then its memory: RSS after a warm-up, at the working size
 * (small files topping the load table up to WORKING_REQUESTS), and after `memoryRequests` more
 * (the four routes in turn); each top-up bounded by `memorySeconds`.
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
  }
  /** `amount` more requests, spread over `routes` in turn, within `memorySeconds` in all. */
  const more = async (amount: number, over: readonly Route[]) => {
    const deadline = Date.now() + options.memorySeconds * 1000;
    let sent = 0;
    for (const [i, route] of over.entries()) {
      const seconds = (deadline - Date.now()) / 1000;
      // autocannon refuses fewer requests than connections: a top-up short of that sends that many.
      const share = Math.max(options.connections, Math.ceil((amount - sent) / (over.length - i)));
      if (seconds <= 0 || amount - sent <= 0) break;
      const result = await cannon(target.origin, route, { connections: options.connections, seconds, amount: share });
      sent += result.requests.total + result.errors;
    }
    total += sent;
    return sent;
  };
  const small = list[1];
  if (small && total < WORKING_REQUESTS) await more(WORKING_REQUESTS - total, [small]);
  const working = total >= WORKING_REQUESTS ? (rssOf(served.pid) ?? 0) : undefined;
  const requests = working === undefined ? 0 : await more(options.memoryRequests, list);
  const memory = { runtime: options.runtime, served: total, before, working, requests, after: rssOf(served.pid) ?? 0 };
  const mib = (bytes: number | undefined) => (bytes === undefined ? "-" : (bytes / 2 ** 20).toFixed(0));
  options.log(
    `${memory.runtime} RSS ${mib(memory.before)} -> ${mib(memory.working)} (working size, ${WORKING_REQUESTS} requests) -> ${mib(memory.after)} MiB after ${requests} more`,
  );
  return { rows, memory };
}
