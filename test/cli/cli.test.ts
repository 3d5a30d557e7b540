import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, unique } from "../helpers/harness";
import { cliStack, SPAWNING } from "./stack";

const s = cliStack();
const run = promisify(execFile);
const json = <T = Record<string, unknown>>(text: string) => JSON.parse(text) as T;

describe("npx artifact-edge --help", SPAWNING, () => {
  it("is what npx runs in the project: package.json's bin, without installing anything", async () => {
    const root = fileURLToPath(new URL("../..", import.meta.url));
    const { stdout } = await run("npx", ["--no-install", "artifact-edge", "--version"], { cwd: root });
    const { version } = json<{ version: string }>(readFileSync(join(root, "package.json"), "utf8"));
    expect(stdout).toBe(`${version}\n`);
  });

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

describe("login", SPAWNING, () => {
  it("refuses a token the service does not know: exit 2, GitLab's 401, nothing saved", async () => {
    const ran = await s.cli(["login", "--url", s.url, "--token", "glpat-not-a-real-token"]);
    expect([ran.code, ran.stderr]).toEqual([2, "artifact-edge: 401 Unauthorized\n"]);
    const file = join(s.home, "config", "artifact-edge", "config.json");
    expect(() => statSync(file)).toThrow();
    // A config file that is not JSON is named, not a stack trace.
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, "{not json");
    const broken = await s.cli(["cleanup", "--url", s.url, "--token", ADMIN_TOKEN]);
    rmSync(file);
    expect([broken.code, broken.stderr]).toEqual([
      1,
      `artifact-edge: ${file} is not JSON: run \`artifact-edge login\` again, or delete it\n`,
    ]);
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

describe("the admin API: users, tokens, projects, members, the allowlist", SPAWNING, () => {
  it("creates each, printing the API's JSON with --json and one line without", async () => {
    const username = unique("cli-user");
    const user = await s.admin(["user", "create", username, "--name", "Cli User", "--json"]);
    expect(user.code).toBe(0);
    const made = json<{ id: number }>(user.out);
    expect(made).toEqual({ id: expect.any(Number), username, name: "Cli User", state: "active", admin: false });

    const token = await s.admin(["token", "create", "--user", String(made.id), "--name", "ci", "--scopes", "api"]);
    expect(token.code).toBe(0);
    expect(token.out).toMatch(/^glpat-\S+\n$/);
    const pat = token.out.trim();
    const login = await s.cli(["login", "--url", s.url, "--token", pat]);
    expect([login.code, login.out]).toEqual([0, expect.stringMatching(/^logged in to http/)]);

    const namespace = unique("group");
    const project = await s.admin(["project", "create", "app", "--namespace", namespace, "--no-keep-latest-artifact"]);
    expect([project.code, project.out]).toEqual([
      0,
      expect.stringMatching(new RegExp(`^project ${namespace}/app \\(id \\d+\\)\n$`)),
    ]);
    const other = await s.admin([
      "project",
      "create",
      "lib",
      "--namespace",
      namespace,
      "--visibility",
      "public",
      "--json",
    ]);
    expect(json(other.out)).toMatchObject({ path_with_namespace: `${namespace}/lib`, visibility: "public" });

    const member = await s.admin([
      "member",
      "add",
      "--project",
      `${namespace}/app`,
      "--user",
      String(made.id),
      "--access-level",
      "maintainer",
    ]);
    expect([member.code, member.out]).toEqual([
      0,
      `${username} (id ${made.id}) added to ${namespace}/app at access level 40\n`,
    ]);

    // The new Maintainer, by the token and URL login saved, opens the project to the other one's CI jobs.
    const target = json<{ id: number }>(other.out).id;
    const allow = await s.cli([
      "allowlist",
      "add",
      "--project",
      `${namespace}/app`,
      "--target",
      String(target),
      "--json",
    ]);
    expect(allow.code).toBe(0);
    expect(json(allow.out)).toEqual({ source_project_id: expect.any(Number), target_project_id: target });
  });

  it("GitLab's refusals exit 2 with the message on stderr and nothing on stdout, --json or not", async () => {
    const username = unique("dup");
    expect((await s.admin(["user", "create", username])).code).toBe(0);
    const again = await s.admin(["user", "create", username, "--json"]);
    expect([again.code, again.out]).toEqual([2, ""]);
    expect(again.stderr).toMatch(/^artifact-edge: .*taken/);

    const who = await s.make.user();
    const pat = await s.make.pat(who);
    const denied = await s.cli(["project", "create", unique("p"), "--url", s.url, "--token", pat]);
    expect([denied.code, denied.stderr]).toEqual([2, "artifact-edge: 403 Forbidden\n"]);
    const badRole = await s.admin(["member", "add", "--project", "x/y", "--user", "1", "--access-level", "boss"]);
    expect([badRole.code, badRole.stderr]).toEqual([1, expect.stringContaining("expected one of guest, reporter")]);
  });
});
