import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN } from "../helpers/harness";
import { cliStack, SPAWNING } from "./stack";

// whoami is GET /api/v4/user (functions/get-current-user.ts).
const s = cliStack();

describe("whoami: GET /api/v4/user", SPAWNING, () => {
  it("names the token's user: the API's JSON with --json, a line without", async () => {
    const user = await s.make.user();
    const token = await s.make.pat(user);
    const asJson = await s.cli(["whoami", "--url", s.url, "--token", token, "--json"]);
    expect(asJson.code).toBe(0);
    expect(JSON.parse(asJson.out)).toMatchObject({ id: user.id, username: user.username });
    const line = await s.cli(["whoami"], { env: { ARTIFACT_EDGE_URL: s.url, ARTIFACT_EDGE_TOKEN: token } });
    expect([line.code, line.out]).toEqual([0, `${user.username} (id ${user.id})\n`]);

    const admin = await s.make.user({ admin: true });
    const adminLine = await s.cli(["whoami", "--url", s.url, "--token", await s.make.pat(admin)]);
    expect([adminLine.code, adminLine.out]).toEqual([0, `${admin.username} (id ${admin.id}, admin)\n`]);
  });

  it("the ADMIN_TOKEN is nobody: GitLab's 404, exit 2", async () => {
    const ran = await s.cli(["whoami", "--url", s.url, "--token", ADMIN_TOKEN]);
    expect([ran.code, ran.stderr]).toEqual([2, "artifact-edge: 404 User Not Found\n"]);
  });
});
