import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

/** Workers' limit on a compressed script on the free plan. */
const FREE_PLAN_LIMIT = 3 * 1024 * 1024;

describe("wrangler deploy --dry-run", () => {
  it("bundles the Worker within the free plan's size limit", async () => {
    const outdir = mkdtempSync(join(tmpdir(), "artifact-edge-bundle-"));
    await run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], {
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    const script = readdirSync(outdir).find((name) => name.endsWith(".js"));
    expect(script).toBeDefined();
    const bytes = readFileSync(join(outdir, script ?? ""));
    expect(bytes.toString("utf8")).toContain("Job is not processing on runner");
    expect(gzipSync(bytes).length).toBeLessThan(FREE_PLAN_LIMIT);
  }, 120_000);
});
