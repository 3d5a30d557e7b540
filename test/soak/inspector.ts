import WebSocket from "ws";

/** The JS heap of the isolate, as V8 reports it (Runtime.getHeapUsage), in bytes. */
export interface HeapUsage {
  readonly usedSize: number;
  readonly totalSize: number;
}

/** Objects of one kind in a heap snapshot: how many, and their own bytes. */
export interface HeapCount {
  readonly count: number;
  readonly bytes: number;
}

/**
 * The isolates a workerd runs beside the Worker (miniflare's own Workers, under wrangler) and their
 * JS heaps as the load left them, read through the workerd's own inspector (whichever of its
 * listening ports answers /json/list), one short session each. The Worker's own isolate
 * ("core:user:…") is left out: workerd keeps one session an isolate, and the caller holds it.
 */
export async function otherIsolateHeaps(ports: readonly number[]): Promise<Map<string, HeapUsage>> {
  const heaps = new Map<string, HeapUsage>();
  for (const port of ports) {
    const list = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(2000) })
      .then((r) => (r.ok ? (r.json() as Promise<{ id: string; webSocketDebuggerUrl?: string }[]>) : []))
      .catch(() => []);
    for (const target of list) {
      if (!target.webSocketDebuggerUrl || target.id.startsWith("core:user:")) continue;
      const session = await inspect(new URL(target.webSocketDebuggerUrl));
      try {
        heaps.set(target.id, await session.heapUsage());
      } finally {
        session.close();
      }
    }
  }
  return heaps;
}

/**
 * A Chrome DevTools Protocol session on the Worker's isolate (wrangler's inspector proxy in
 * front of workerd's): read the heap's size, take a snapshot (V8 collects garbage fully first;
 * workerd never answers HeapProfiler.collectGarbage, so a snapshot is the way to force a GC).
 */
export async function inspect(inspectorUrl: URL) {
  const target = inspectorUrl.pathname.length > 1 ? inspectorUrl.href : await firstIsolate(inspectorUrl);
  const socket = new WebSocket(target, { maxPayload: 1 << 30 });
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  let next = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const chunks: string[] = [];
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as {
      id?: number;
      method?: string;
      params?: { chunk?: string };
      result?: unknown;
      error?: { message: string };
    };
    if (message.method === "HeapProfiler.addHeapSnapshotChunk") chunks.push(message.params?.chunk ?? "");
    const waiting = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id as number);
    if (message.error) waiting.reject(new Error(message.error.message));
    else waiting.resolve(message.result);
  });
  socket.on("close", (code) => {
    for (const waiting of pending.values()) waiting.reject(new Error(`inspector closed (${code})`));
    pending.clear();
  });
  const call = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return {
    heapUsage: () => call<HeapUsage>("Runtime.getHeapUsage"),
    /** The value of a JavaScript expression evaluated in the isolate (JSON-serialisable values). */
    evaluate: async <T>(expression: string) =>
      (await call<{ result: { value: T } }>("Runtime.evaluate", { expression, returnByValue: true })).result.value,
    /** A heap snapshot's objects (after a full GC) counted by kind ("object Pool", "closure onopen", ...). */
    async snapshot(): Promise<Map<string, HeapCount>> {
      chunks.length = 0;
      await call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
      return countObjects(JSON.parse(chunks.join("")));
    },
    /**
     * Sampled allocations from now until `stop()`, counting objects a major GC collected (promoted
     * to the old generation, then dead) but not those a scavenge did: bytes by allocating function.
     */
    async sampleOldAllocations(): Promise<{ stop(): Promise<Map<string, number>> }> {
      await call("HeapProfiler.startSampling", {
        samplingInterval: 16_384,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: false,
      });
      return {
        async stop() {
          const { profile } = await call<{ profile: { head: SamplingNode } }>("HeapProfiler.stopSampling");
          const bytes = new Map<string, number>();
          const walk = (node: SamplingNode) => {
            const { functionName, url, lineNumber } = node.callFrame;
            const where = `${functionName || "(anonymous)"} ${url.split("/").pop()}:${lineNumber + 1}`;
            bytes.set(where, (bytes.get(where) ?? 0) + node.selfSize);
            for (const child of node.children) walk(child);
          };
          walk(profile.head);
          return bytes;
        },
      };
    },
    close: () => socket.close(),
  };
}

/** The first isolate an inspector (at its root URL) offers. */
async function firstIsolate(inspectorUrl: URL): Promise<string> {
  const http = new URL(inspectorUrl);
  http.protocol = "http:";
  const targets = (await (await fetch(new URL("/json", http))).json()) as { webSocketDebuggerUrl?: string }[];
  const target = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  if (!target) throw new Error(`no inspectable isolate at ${inspectorUrl}`);
  return target;
}

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

function countObjects(heap: HeapSnapshot): Map<string, HeapCount> {
  const fields = heap.snapshot.meta.node_fields;
  const [types] = heap.snapshot.meta.node_types;
  const [type, name, size] = ["type", "name", "self_size"].map((f) => fields.indexOf(f)) as [number, number, number];
  const counts = new Map<string, HeapCount>();
  for (let i = 0; i < heap.nodes.length; i += fields.length) {
    const kind = `${types[heap.nodes[i + type] as number]} ${heap.strings[heap.nodes[i + name] as number]?.slice(0, 60)}`;
    const seen = counts.get(kind) ?? { count: 0, bytes: 0 };
    counts.set(kind, { count: seen.count + 1, bytes: seen.bytes + (heap.nodes[i + size] as number) });
  }
  return counts;
}
