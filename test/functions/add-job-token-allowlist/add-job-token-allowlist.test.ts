import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { jobTokenScopeLinks } from "../../../schema";
import { harness } from "../../helpers/harness";

const h = harness();
const { make, url } = h;
const allow = (project: { id: number }, target: number) =>
  h.fetch(url.jobTokenAllowlist(project), h.send("POST", { target_project_id: target }, h.admin));

describe("POST /api/v4/projects/:id/job_token_scope/allowlist", () => {
  it("adds a project to the allowlist once", async () => {
    const project = await make.project();
    const other = await make.project();
    const res = await allow(project, other.id);
    expect(res.status).toBe(201);
    expect(await h.json(res)).toEqual({ source_project_id: project.id, target_project_id: other.id });
    const links = await h.db
      .select()
      .from(jobTokenScopeLinks)
      .where(eq(jobTokenScopeLinks.source_project_id, project.id));
    expect(links.map((l) => l.target_project_id)).toEqual([other.id]);
    expect((await allow(project, other.id)).status).toBe(400);
  });

  it("is 404 for an allowlist target that does not exist", async () => {
    const project = await make.project();
    expect((await allow(project, 2147480000)).status).toBe(404);
  });
});
