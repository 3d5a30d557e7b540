import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../../lib/local/worker";
import { text } from "../helpers/bytes";
import { ADMIN_TOKEN, settings, unique } from "../helpers/harness";

const run = promisify(execFile);
const NAMES = ["crlf\r\nX-Injected: 1.txt", "para\u2028sep.txt", "ünïcödé ✓.txt"];
let worker: LocalWorker;
let fileUrl: (name: string) => string;

async function call<T>(path: string, init: { token: string; header?: string; body: unknown; method?: string }) {
  const form = init.body instanceof FormData;
  const res = await fetch(new URL(path, worker.url), {
    method: init.method ?? "POST",
    headers: {
      [init.header ?? "PRIVATE-TOKEN"]: init.token,
      ...(form ? {} : { "content-type": "application/json" }),
    },
    body: form ? (init.body as FormData) : JSON.stringify(init.body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  worker = await startLocalWorker({ settings: settings(), logLevel: "error" });
  const project = await call<{ id: number }>("/api/v4/projects", {
    token: ADMIN_TOKEN,
    body: { path: unique("names"), namespace: "runtime", visibility: "public" },
  });
  const pipeline = await call<{ id: number }>(`/api/v4/projects/${project.id}/pipelines`, {
    token: ADMIN_TOKEN,
    body: { ref: "main" },
  });
  const job = await call<{ id: number; token: string }>(
    `/api/v4/projects/${project.id}/pipelines/${pipeline.id}/jobs`,
    { token: ADMIN_TOKEN, body: { name: "build" } },
  );
  const form = new FormData();
  const zip = zipSync(Object.fromEntries(NAMES.map((name) => [`d/${name}`, text(name)])));
  form.append("file", new Blob([zip], { type: "application/zip" }), "artifacts.zip");
  await call(`/api/v4/jobs/${job.id}/artifacts`, { token: job.token, header: "JOB-TOKEN", body: form });
  fileUrl = (name) =>
    `${worker.url.origin}/api/v4/projects/${project.id}/jobs/${job.id}/artifacts/d/${encodeURIComponent(name)}`;
}, 120_000);
afterAll(() => worker?.dispose());

describe("entry names with line terminators and non-ASCII, from the bundled Worker in workerd", () => {
  it.each(NAMES)("serves %j with Workhorse's Content-Disposition bytes and no header injected", async (name) => {
    const { stdout } = await run("curl", ["--silent", "--fail", "--dump-header", "-", fileUrl(name)], {
      encoding: "buffer",
    });
    const [head = "", body] = stdout.toString("utf8").split("\r\n\r\n");
    expect(body).toBe(name);
    const lines = head.split("\r\n").map((line) => line.toLowerCase());
    expect(lines.some((line) => line.startsWith("x-injected"))).toBe(false);
    // UTF-8 bytes on the wire, CR and LF as spaces, as Go's net/http writes them for Workhorse.
    const disposition = /\r\ncontent-disposition: ([^\r\n]*)\r\n/i.exec(`${head}\r\n`)?.[1];
    expect(disposition).toBe(`attachment; filename="${name.replace(/[\r\n]/g, " ")}"`);
  });
});
