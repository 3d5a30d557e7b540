import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS, pipelines } from "../../../schema";
import { harness, PUBLIC_URL } from "../../helpers/harness";

const h = harness();
const { db, make, url } = h;

describe("GET /api/v4/projects/:id/pipelines/:pipeline_id", () => {
  it("shows the pipeline as PipelineWithMetadata: user, durations, detailed_status", async () => {
    const project = await make.project({ visibility: "public" });
    const user = await make.user();
    const created = await make.pipeline(project, { user });
    const startedAt = new Date(created.created_at.getTime() + 2000);
    const finishedAt = new Date(startedAt.getTime() + 61_000);
    await db
      .update(pipelines)
      .set({ status: "success", started_at: startedAt, finished_at: finishedAt })
      .where(eq(pipelines.id, created.id));
    const res = await h.fetch(url.pipeline(project, created));
    expect(res.status).toBe(200);
    const body = await h.json(res);
    expect(body).toMatchObject({
      id: created.id,
      iid: created.iid,
      status: "success",
      tag: false,
      user: { id: user.id, username: user.username, web_url: `${PUBLIC_URL}/${user.username}` },
      started_at: startedAt.toISOString(),
      finished_at: finishedAt.toISOString(),
      duration: 61,
      queued_duration: 2,
      detailed_status: {
        text: "Passed",
        label: "passed",
        group: "success",
        details_path: `/${project.full_path}/-/pipelines/${created.id}`,
      },
      name: null,
    });
    expect(Object.keys(body).slice(0, 11)).toEqual([
      "id",
      "iid",
      "project_id",
      "sha",
      "ref",
      "status",
      "source",
      "created_at",
      "updated_at",
      "web_url",
      "before_sha",
    ]);
  });

  it("is 404 Not found for another project's pipeline, 400 for a non-integer id, 403 without read_pipeline", async () => {
    const project = await make.project({ public_builds: false });
    const elsewhere = await make.pipeline(await make.project());
    for (const id of [elsewhere.id, 2 ** 40]) {
      const missing = await h.fetch(url.pipeline(project, id), { headers: h.admin });
      expect(await missing.text()).toBe('{"message":"404 Not found"}');
    }
    const invalid = await h.fetch(url.pipeline(project, "x1"), { headers: h.admin });
    expect(await invalid.text()).toBe('{"error":"pipeline_id is invalid"}');
    const guest = await make.memberWithToken(project, ACCESS_LEVELS.guest);
    const own = await make.pipeline(project);
    expect((await h.fetch(url.pipeline(project, own), { headers: h.as(guest.token) })).status).toBe(403);
    expect((await h.fetch(url.pipeline(project, own))).status).toBe(404);
  });
});
