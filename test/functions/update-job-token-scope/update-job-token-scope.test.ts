import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS, projects } from "../../../schema";
import { harness } from "../../helpers/harness";

const h = harness();
const { make, url } = h;
const setScope = (project: { id: number }, enabled: boolean, headers = h.admin) =>
  h.fetch(url.jobTokenScope(project), h.send("PATCH", { enabled }, headers));
const scopeOf = async (id: number) =>
  (await h.db.select().from(projects).where(eq(projects.id, id)))[0]?.ci_inbound_job_token_scope_enabled;

describe("PATCH /api/v4/projects/:id/job_token_scope", () => {
  it("turns the inbound job-token scope off and on", async () => {
    const project = await make.project();
    const off = await setScope(project, false);
    expect(off.status).toBe(204);
    expect(await off.text()).toBe("");
    expect(await scopeOf(project.id)).toBe(false);
    await setScope(project, true);
    expect(await scopeOf(project.id)).toBe(true);
  });

  it("needs Maintainer: a Developer gets 403", async () => {
    const project = await make.project();
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    expect((await setScope(project, false, h.as(developer.token))).status).toBe(403);
  });
});
