import { describe, expect, it } from "vitest";
import { harness } from "../../helpers/harness";

const h = harness();

describe("writes authenticate before they read parameters (authenticate_non_get!)", () => {
  it.each([
    ["POST", "/api/v4/users"],
    ["POST", "/api/v4/users/abc/personal_access_tokens"],
    ["POST", "/api/v4/users/abc/block"],
    ["POST", "/api/v4/users/abc/unblock"],
    ["POST", "/api/v4/projects"],
    ["POST", "/api/v4/projects/1/members"],
    ["PATCH", "/api/v4/projects/1/job_token_scope"],
    ["POST", "/api/v4/projects/1/job_token_scope/allowlist"],
    ["POST", "/api/v4/projects/1/pipelines"],
    ["POST", "/api/v4/projects/1/pipelines/abc/jobs"],
    ["POST", "/api/v4/projects/1/jobs/abc/artifacts/keep"],
    ["DELETE", "/api/v4/projects/1/jobs/abc/artifacts"],
  ])("answers an anonymous %s %s with invalid parameters 401, not 400", async (method, path) => {
    const res = await h.fetch(path, h.send(method, {}));
    expect(res.status).toBe(401);
    expect(await h.json(res)).toEqual({ message: "401 Unauthorized" });
  });
});
