import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../lib/local/stack";
import { admin, json, settings, unique } from "../helpers/harness";

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGTERM");
});

/** Runs functions/node.ts as `npm run serve:node` does, collecting what it prints. */
function serve(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "functions/node.ts"], {
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
    const { output } = serve({ ...settings(), PORT: String(port) });
    await expect.poll(output, { timeout: 20_000, interval: 100 }).toContain("listening");
    const res = await fetch(`http://127.0.0.1:${port}/api/v4/users`, json({ username: unique("node") }, admin));
    expect(res.status).toBe(201);
  });

  it("refuses to start without its settings, naming what is missing", async () => {
    const { child, output } = serve({ ...settings(), DATABASE_URL: "", S3_BUCKET: "Not A Bucket" });
    const [code] = await once(child, "exit");
    expect(code).toBe(1);
    expect(output()).toContain("DATABASE_URL is not set");
    expect(output()).toContain("S3_BUCKET: not a valid bucket name");
  });
});
