import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, unique } from "../helpers/harness";
import { cliStack } from "./stack";

const s = cliStack();
const json = <T = Record<string, unknown>>(text: string) => JSON.parse(text) as T;

describe("npx artifact-edge --help", () => {
  it("lists every command and the exit codes", async () => {
    const ran = await s.cli(["--help"]);
    expect(ran.code).toBe(0);
    for (const command of [
      "login",
      "whoami",
      "user",
      "token",
      "project",
      "member",
      "allowlist",
      "upload",
      "download",
    ]) {
      expect(ran.out).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
    for (const command of ["keep", "delete", "cleanup"]) expect(ran.out).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    expect(ran.out).toContain("Exit codes: 0 done, 1 usage error, 2 the API refused");
  });

  it("has help of its own for each command, with the global options", async () => {
    const ran = await s.cli(["download", "--help"]);
    expect(ran.code).toBe(0);
    expect(ran.out).toContain("Usage: artifact-edge download [options]");
    expect(ran.out).toMatch(/--path <path>/);
    expect(ran.out).toMatch(/Global Options:[\s\S]*--url <url>[\s\S]*--json/);
    const nested = await s.cli(["member", "add", "--help"]);
    expect([nested.code, nested.out]).toEqual([0, expect.stringContaining("--access-level <level>")]);
  });

  it("usage errors exit 1 with commander's message on stderr and nothing on stdout", async () => {
    for (const args of [[], ["frobnicate"], ["download", "--project"], ["keep", "--project", "a/b", "--job-id", "x"]]) {
      const ran = await s.cli(args);
      expect(ran.code, args.join(" ")).toBe(1);
      expect(ran.stderr, args.join(" ")).not.toBe("");
      expect(ran.out, args.join(" ")).toBe("");
    }
    const ran = await s.cli(["download", "--project", "a/b", "--ref", "main"]);
    expect([ran.code, ran.stderr]).toEqual([1, "artifact-edge: say which job: --job-id, or --ref and --job\n"]);
  });
});

describe("login", () => {
  it("refuses a token the service does not know: exit 2, GitLab's 401, nothing saved", async () => {
    const ran = await s.cli(["login", "--url", s.url, "--token", "glpat-not-a-real-token"]);
    expect([ran.code, ran.stderr]).toEqual([2, "artifact-edge: 401 Unauthorized\n"]);
    expect(() => statSync(join(s.home, "config", "artifact-edge", "config.json"))).toThrow();
  });

  it("saves the URL and a working token in a 0600 file, never printing the token; later commands use it", async () => {
    const ran = await s.cli(["login", "--url", `${s.url}/`, "--token-stdin"], { input: `${ADMIN_TOKEN}\n` });
    expect(ran.code).toBe(0);
    expect(ran.out + ran.stderr).not.toContain(ADMIN_TOKEN);
    const file = join(s.home, "config", "artifact-edge", "config.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(json(readFileSync(file, "utf8"))).toEqual({ url: s.url, token: ADMIN_TOKEN });

    const path = unique("saved");
    const made = await s.cli(["project", "create", path, "--json"], { env: { ARTIFACT_EDGE_URL: s.url } });
    expect(made.code).toBe(0);
    expect(json(made.out)).toMatchObject({ path, path_with_namespace: `root/${path}` });
    // A saved token goes only to the URL it was saved for.
    const elsewhere = await s.cli(["project", "create", unique("x"), "--url", "http://127.0.0.1:9"]);
    expect([elsewhere.code, elsewhere.stderr]).toEqual([1, expect.stringContaining("no token")]);
  });
});
