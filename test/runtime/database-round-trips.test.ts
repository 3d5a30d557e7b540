import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../../lib/local/worker";
import { harness, settings } from "../helpers/harness";
import { type CountingProxy, startHttpLatencyProxy, startTcpLatencyProxy } from "../helpers/latency-proxy";
import { smallZip } from "../helpers/zips";

// The Worker in workerd with 20 ms between it and the database on both of the driver's paths:
// SQL over HTTP (statements) and the WebSocket bridge (transactions), each proxy counting.
const RTT_MS = 20;
const h = harness();
let worker: LocalWorker;
let http: CountingProxy & { url: string };
let ws: CountingProxy & { address: string };

beforeAll(async () => {
  const stack = settings();
  const bridge = new URL(`ws://${stack.DATABASE_WS_PROXY}`);
  http = await startHttpLatencyProxy(stack.DATABASE_HTTP_PROXY ?? "", RTT_MS);
  ws = await startTcpLatencyProxy({ host: bridge.hostname, port: Number(bridge.port) }, RTT_MS);
  worker = await startLocalWorker({
    settings: { ...stack, DATABASE_HTTP_PROXY: http.url, DATABASE_WS_PROXY: `${ws.address}${bridge.pathname}` },
    logLevel: "none",
  });
}, 120_000);
afterAll(async () => {
  await worker?.dispose();
  await http?.close();
  await ws?.close();
});
beforeEach(() => {
  http.reset();
  ws.reset();
});

const get = (path: string) => fetch(new URL(path, worker.url), { redirect: "manual" });

describe("the Worker's database round trips, in workerd", () => {
  it("serves each download with one SQL-over-HTTP request and no WebSocket: archive and file, by job id and by ref", async () => {
    const { project, job } = await h.make.jobWithArchive(smallZip({ "notes.txt": "hello\n" }), {
      project: { visibility: "public" },
      job: { status: "success", name: "round-trip" },
    });
    const downloads: [string, number][] = [
      [h.url.jobArtifacts(project, job), 302],
      [h.url.jobArtifactFile(project, job, "notes.txt"), 200],
      [h.url.refArtifacts(project, "main", "round-trip"), 302],
      [h.url.refArtifactFile(project, "main", "notes.txt", "round-trip"), 200],
    ];
    // Warm: the isolate is loaded and configured by a first request.
    expect((await get(downloads[0]?.[0] ?? "")).status).toBe(302);
    for (const [path, status] of downloads) {
      http.reset();
      ws.reset();
      const answer = await get(path);
      expect(answer.status, path).toBe(status);
      if (status === 200) expect(await answer.text()).toBe("hello\n");
      expect({ path, http: http.count, ws: ws.count }).toEqual({ path, http: 1, ws: 0 });
    }
  });

  it("answers GitLab's 404 for a missing job with one round trip too", async () => {
    const project = await h.make.project({ visibility: "public" });
    expect((await get(h.url.jobArtifacts(project, 2_000_000_000))).status).toBe(404);
    expect({ http: http.count, ws: ws.count }).toEqual({ http: 1, ws: 0 });
  });

  it("still runs an upload's transactions over one WebSocket, then serves the upload over HTTP", async () => {
    const { job, token } = await h.make.job(await h.make.pipeline(await h.make.project({ visibility: "public" })));
    const form = new FormData();
    form.append("file", new Blob([smallZip({ "up.txt": "uploaded\n" })]), "artifacts.zip");
    const answer = await fetch(new URL(h.url.uploadJobArtifacts(job), worker.url), {
      method: "POST",
      headers: { "JOB-TOKEN": token },
      body: form,
    });
    expect(answer.status).toBe(201);
    // Transactions share the request's one pooled connection; statements outside them go over HTTP.
    expect(ws.count).toBe(1);
    expect(http.count).toBeGreaterThanOrEqual(1);
    http.reset();
    ws.reset();
    const file = await get(h.url.jobArtifactFile(job.project_id, job, "up.txt"));
    expect(await file.text()).toBe("uploaded\n");
    expect({ http: http.count, ws: ws.count }).toEqual({ http: 1, ws: 0 });
  });
});
