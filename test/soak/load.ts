import { Pool } from "undici";
import type { Answer, Call, Operation } from "./mix";

export interface LoadOptions {
  readonly origin: URL;
  readonly connections: number;
  /** Stop after this many requests... */
  readonly requests: number;
  /** ...or after this many seconds, whichever comes first. */
  readonly seconds: number;
  readonly operations: readonly Operation[];
  /** Called about once a second while the load runs. */
  readonly onTick?: (done: number) => void;
}

export interface KindFigures {
  count: number;
  errors: number;
  latencies: number[];
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly errors: number;
  /** The first distinct errors, as "kind: what was wrong". */
  readonly examples: string[];
  readonly latencies: number[];
  readonly byKind: Map<string, KindFigures>;
  /** Whether the time bound ended the run before the count did. */
  readonly timedOut: boolean;
}

const MAX_EXAMPLES = 10;

/** A deterministic generator (mulberry32), so two runs send the same mix. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Runs the mix over `connections` kept-alive connections (undici's Pool), one operation at a
 * time per connection, until the request count or the time bound is reached. Every answer is
 * read whole and checked; a transport error or a wrong answer is an error.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.origin, { connections: options.connections, pipelining: 1 });
  const total = options.operations.reduce((sum, op) => sum + op.weight, 0);
  const latencies: number[] = [];
  const byKind = new Map<string, KindFigures>();
  const examples: string[] = [];
  let errors = 0;
  let reserved = 0;
  let timedOut = false;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;

  const fail = (kind: string, problem: string) => {
    errors++;
    const line = `${kind}: ${problem}`;
    if (examples.length < MAX_EXAMPLES && !examples.includes(line)) examples.push(line);
  };
  const send = async (call: Call): Promise<Answer | undefined> => {
    const figures = byKind.get(call.kind) ?? { count: 0, errors: 0, latencies: [] };
    byKind.set(call.kind, figures);
    figures.count++;
    const t = performance.now();
    let problem: string | undefined;
    let answer: Answer | undefined;
    try {
      const res = await pool.request({
        method: call.method ?? "GET",
        path: call.path,
        headers: call.headers,
        body: call.body,
      });
      answer = { status: res.statusCode, headers: res.headers, body: await res.body.bytes() };
    } catch (error) {
      problem = `transport: ${(error as { code?: string }).code ?? (error as Error).message}`;
    }
    try {
      if (answer) problem = call.check(answer);
    } catch (error) {
      // A body the check cannot parse (say, not JSON) is a wrong answer too.
      problem = `unreadable answer: ${(error as Error).message}`;
    }
    const ms = performance.now() - t;
    latencies.push(ms);
    figures.latencies.push(ms);
    if (problem === undefined) return answer;
    figures.errors++;
    fail(call.kind, problem);
    return undefined;
  };

  const pickOperation = (random: () => number) => {
    let r = random() * total;
    for (const op of options.operations) {
      r -= op.weight;
      if (r < 0) return op;
    }
    return options.operations[options.operations.length - 1] as Operation;
  };
  const connection = async (index: number) => {
    const random = seeded(index + 1);
    for (;;) {
      const op = pickOperation(random);
      if (reserved + op.calls > options.requests) return;
      if (performance.now() > deadline) {
        timedOut = true;
        return;
      }
      reserved += op.calls;
      await op.run(send, random);
    }
  };

  const ticker = setInterval(() => options.onTick?.(latencies.length), 1000);
  try {
    await Promise.all(Array.from({ length: options.connections }, (_, i) => connection(i)));
  } finally {
    clearInterval(ticker);
    await pool.close();
  }
  return {
    requests: latencies.length,
    seconds: (performance.now() - started) / 1000,
    errors,
    examples,
    latencies,
    byKind,
    timedOut,
  };
}
