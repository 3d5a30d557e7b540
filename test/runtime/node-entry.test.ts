import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../lib/local/stack";
import { publicFile } from "../helpers/faults";
import { admin, harness, json, settings, unique } from "../helpers/harness";
import { multipartUpload, smallZip } from "../helpers/zips";

const h = harness();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGTERM");
});

/** Runs a script of functions/ as its npm script does, collecting what it prints. */
function runScript(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", `functions/${script}`], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  return { child, output: () => output };
}

describe("the Node entry", () => {
  it("serves the same app on Node", async () => {
    const port = await freePort();
    const { output } = runScript("node.ts", { ...settings(), PORT: String(port) });
    await expect.poll(output, { timeout: 20_000, interval: 100 }).toContain("listening");
    const res = await fetch(`http://127.0.0.1:${port}/api/v4/users`, json({ username: unique("node") }, admin));
    expect(res.status).toBe(201);
  });

  it("reaches PostgreSQL over TCP, not through the WebSocket bridge the Worker's driver needs", async () => {
    const port = await freePort();
    // A bridge that is not there: the Neon driver's pool would fail every query through it.
    const bridge = `127.0.0.1:${await freePort()}/v1`;
    const { output } = runScript("node.ts", { ...settings(), DATABASE_WS_PROXY: bridge, PORT: String(port) });
    await expect.poll(output, { timeout: 20_000, interval: 100 }).toContain("listening");
    const origin = `http://127.0.0.1:${port}`;
    const { file } = await publicFile(h);
    const res = await fetch(`${origin}${file("notes.txt")}`);
    expect([res.status, await res.text()]).toEqual([200, "hello\n"]);
    // An upload records its artifact in a transaction.
    const { job, token } = await h.make.job(await h.make.pipeline(await h.make.project()));
    const upload = await fetch(`${origin}${h.url.uploadJobArtifacts(job)}`, {
      method: "POST",
      headers: { "JOB-TOKEN": token },
      body: multipartUpload(smallZip()),
    });
    expect(upload.status).toBe(201);
  });

  it("refuses to start without its settings, naming what is missing", async () => {
    const { child, output } = runScript("node.ts", { ...settings(), DATABASE_URL: "", S3_BUCKET: "Not A Bucket" });
    const [code] = await once(child, "exit");
    expect(code).toBe(1);
    expect(output()).toContain("DATABASE_URL is not set");
    expect(output()).toContain("S3_BUCKET: not a valid bucket name");
  });

  it("refuses a CLEANUP_INTERVAL or PORT that is not a number, rather than cleaning up every millisecond", async () => {
    const { child, output } = runScript("node.ts", { ...settings(), CLEANUP_INTERVAL: "abc", PORT: "http" });
    const [code] = await once(child, "exit");
    expect(code).toBe(1);
    const lines = output()
      .split("\n")
      .filter((line) => line.startsWith("{"));
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        level: "error",
        message:
          "invalid configuration: PORT: must be a port number; CLEANUP_INTERVAL: must be a whole number of seconds from 1 to 2147483",
      },
    ]);
  });
});

describe("npm run db:migrate", () => {
  it("applies the migrations again without harm, and needs DATABASE_URL", async () => {
    const { DATABASE_URL, DATABASE_WS_PROXY } = settings();
    const run = async (env: Record<string, string>) => {
      const { child, output } = runScript("migrate.ts", env);
      const [code] = await once(child, "exit");
      return { code, output: output() };
    };
    const applied = await run({ DATABASE_URL: DATABASE_URL ?? "", DATABASE_WS_PROXY: DATABASE_WS_PROXY ?? "" });
    expect(applied).toEqual({ code: 0, output: "artifact-edge: migrations applied\n" });
    const missing = await run({});
    expect(missing.code).toBe(1);
    expect(missing.output).toContain("DATABASE_URL is not set");
  }, 60_000);
});
