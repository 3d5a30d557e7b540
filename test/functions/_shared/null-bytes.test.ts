import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../../schema";
import { harness } from "../../helpers/harness";

const h = harness();
const { make } = h;

describe("NUL bytes, refused before routing as GitLab's HandleNullBytes does", () => {
  it.each([
    (p: number) => `/api/v4/projects/${p}%00/jobs/1/artifacts`,
    () => "/api/v4/projects/group%2Fp%00roj/jobs/1/artifacts/a.txt",
    (p: number) => `/api/v4/projects/${p}/jobs/artifacts/ma%00in/download?job=build`,
    (p: number) => `/api/v4/projects/${p}/jobs/artifacts/main/download?job=a%00`,
    (p: number) => `/api/v4/projects/${p}/jobs/artifacts/main/raw/a.txt?job=a%00`,
    (p: number) => `/api/v4/projects/${p}/jobs/artifacts/ma%00in/raw/a.txt?job=build`,
    (p: number) => `/api/v4/projects/${p}/jobs/1/artifacts?private_token=x%00`,
    (p: number) => `/api/v4/projects/${p}/members?x%00=1`,
  ])("answers 400 Bad Request, with nothing logged, to a NUL in the path or a query parameter (%#)", async (at) => {
    const project = await make.project({ visibility: "public" });
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    h.logs.length = 0;
    const res = await h.fetch(at(project.id), { headers: h.as(developer.token) });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe("Bad Request");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(h.logs).toEqual([]);
  });
});

describe("NUL bytes in a request body", () => {
  it.each([
    ["JSON", { "content-type": "application/json" }, JSON.stringify({ username: "nul", name: "a\u0000b" })],
    ["a JSON array", { "content-type": "application/json" }, JSON.stringify({ username: "nul", tags: ["a\u0000"] })],
    ["a form", { "content-type": "application/x-www-form-urlencoded" }, "username=nul&name=a%00b"],
  ])("answers 400 Bad Request to a NUL in %s, with nothing logged", async (_, headers, body) => {
    h.logs.length = 0;
    const res = await h.fetch(h.url.users(), { method: "POST", headers: { ...headers, ...h.admin }, body });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe("Bad Request");
    expect(h.logs).toEqual([]);
  });
});
