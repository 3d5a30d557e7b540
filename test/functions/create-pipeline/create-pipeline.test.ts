import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS, internalIds, pipelines } from "../../../schema";
import { harness, type PipelineEntity, PUBLIC_URL } from "../../helpers/harness";

const h = harness();
const { db, make, url } = h;

function createPipeline(project: { id: number }, params: Record<string, unknown>, headers = h.admin) {
  return h.fetch(url.pipelines(project), h.send("POST", params, headers));
}
const rowOf = async (id: number) => (await db.select().from(pipelines).where(eq(pipelines.id, id)))[0];

describe("POST /api/v4/projects/:id/pipelines", () => {
  it("numbers concurrent creations from the project's counter without a collision, and starts a missing counter from the highest iid", async () => {
    const project = await make.project();
    const created = await Promise.all(Array.from({ length: 16 }, () => createPipeline(project, { ref: "main" })));
    expect(created.map((r) => r.status)).toEqual(Array(16).fill(201));
    const iids = await Promise.all(created.map(async (r) => (await h.json<PipelineEntity>(r)).iid));
    expect(iids.sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));

    // A project whose pipelines predate the counter (as after the migration) continues from its highest iid.
    await db.delete(internalIds).where(eq(internalIds.project_id, project.id));
    expect(await h.json<PipelineEntity>(await createPipeline(project, { ref: "main" }))).toMatchObject({ iid: 17 });
    expect(await h.json<PipelineEntity>(await createPipeline(project, { ref: "main" }))).toMatchObject({ iid: 18 });
  });

  it("creates pipelines numbered per project, by a Developer's api token", async () => {
    const project = await make.project();
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    const first = await createPipeline(project, { ref: "main" }, h.as(developer.token));
    expect(first.status).toBe(201);
    const p1 = await h.json<PipelineEntity>(first);
    expect(p1).toMatchObject({ iid: 1, project_id: project.id, ref: "main", status: "created", source: "api" });
    expect(p1.web_url).toBe(`${PUBLIC_URL}/${project.full_path}/-/pipelines/${p1.id}`);
    const p2 = await h.json<PipelineEntity>(
      await createPipeline(project, { ref: "feature/x", source: "push" }, h.as(developer.token)),
    );
    expect(p2).toMatchObject({ iid: 2, ref: "feature/x", source: "push" });
    const row = await rowOf(p1.id);
    expect(row?.user_id).toBe(developer.user.id);
    expect(row?.locked).toBe("artifacts_locked");
  });

  it("makes a child pipeline with source parent_pipeline", async () => {
    const project = await make.project();
    const parent = await h.json<PipelineEntity>(await createPipeline(project, { ref: "main" }));
    const child = await createPipeline(project, { ref: "main", parent_pipeline_id: parent.id });
    expect(child.status).toBe(201);
    const created = await h.json<PipelineEntity>(child);
    expect(created.source).toBe("parent_pipeline");
    expect((await rowOf(created.id))?.parent_pipeline_id).toBe(parent.id);
  });

  it("refuses a parent pipeline of another project", async () => {
    const project = await make.project();
    const elsewhere = await make.pipeline(await make.project());
    const res = await createPipeline(project, { ref: "main", parent_pipeline_id: elsewhere.id });
    expect(res.status).toBe(404);
  });

  it("creates unlocked pipelines when the project keeps no latest artifacts", async () => {
    const project = await make.project({ keep_latest_artifact: false });
    const created = await h.json<PipelineEntity>(await createPipeline(project, { ref: "main" }));
    expect((await rowOf(created.id))?.locked).toBe("unlocked");
  });

  it("is 403 for a Reporter and insufficient_scope for a read_api token", async () => {
    const project = await make.project();
    const reporter = await make.memberWithToken(project, ACCESS_LEVELS.reporter);
    expect((await createPipeline(project, { ref: "main" }, h.as(reporter.token))).status).toBe(403);
    const reader = await make.memberWithToken(project, ACCESS_LEVELS.maintainer, ["read_api"]);
    const res = await createPipeline(project, { ref: "main" }, h.as(reader.token));
    expect(res.status).toBe(403);
    expect((await h.json(res)).error).toBe("insufficient_scope");
  });

  it("needs a ref", async () => {
    const project = await make.project();
    const res = await createPipeline(project, {});
    expect(await h.json(res)).toEqual({ error: "ref is missing" });
  });
});
