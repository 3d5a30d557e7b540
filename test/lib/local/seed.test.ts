import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { demoBanner, loadOrSeedDemo } from "../../../lib/local/seed";

const dataDir = mkdtempSync(join(tmpdir(), "artifact-edge-seed-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** A loopback port nobody listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("loadOrSeedDemo", () => {
  it("reports a failed seed in one line and answers no demo, keeping nothing, so npm start serves on", async () => {
    const demoFile = join(dataDir, "demo.json");
    const lines: string[] = [];
    const demo = await loadOrSeedDemo(demoFile, `http://127.0.0.1:${await closedPort()}`, "admin", (l) =>
      lines.push(l),
    );
    expect(demo).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^artifact-edge: the demo seed failed \(.+\); serving without a demo; the next start tries again$/,
    );
    expect(lines[0]).not.toContain("\n");
    expect(existsSync(demoFile)).toBe(false);
    expect(demoBanner("http://localhost:8787", demo)).toBe(
      "Demo: none (its seed failed, see above); the API is served all the same.",
    );
  });
});
