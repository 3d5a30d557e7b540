import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../../schema";
import { harness } from "../../helpers/harness";

const h = harness();
const { make, url } = h;
const allow = (project: { id: number }, target: number, headers: Record<string, string>) =>
  h.fetch(url.jobTokenAllowlist(project), h.send("POST", { target_project_id: target }, headers));

describe("POST /api/v4/projects/:id/job_token_scope/allowlist: targets GitLab refuses", () => {
  it("refuses a target the Maintainer cannot read with GitLab's 400, and accepts one they can", async () => {
    const project = await make.project();
    const maintainer = await make.memberWithToken(project, ACCESS_LEVELS.maintainer);
    const hidden = await make.project({ visibility: "private" });
    const res = await allow(project, hidden.id, h.as(maintainer.token));
    expect(res.status).toBe(400);
    expect(await h.json(res)).toEqual({
      message:
        "400 Bad request - The target_project that you are attempting to access does not exist or you don't have permission to perform this action",
    });
    await make.member(hidden, maintainer.user, ACCESS_LEVELS.guest);
    expect((await allow(project, hidden.id, h.as(maintainer.token))).status).toBe(201);
    const internal = await make.project({ visibility: "internal" });
    expect((await allow(project, internal.id, h.as(maintainer.token))).status).toBe(201);
  });

  it("refuses the project itself with 400", async () => {
    const project = await make.project();
    const res = await allow(project, project.id, h.admin);
    expect(res.status).toBe(400);
    expect(await h.json(res)).toEqual({
      message: "400 Bad request - Validation failed: Target project can't be the same as the source project",
    });
  });

  it("answers an unknown target with GitLab's not_found! text", async () => {
    const project = await make.project();
    const res = await allow(project, 2147480001, h.admin);
    expect(res.status).toBe(404);
    expect(await h.json(res)).toEqual({ message: "404 target_project_id not found Not Found" });
  });
});
