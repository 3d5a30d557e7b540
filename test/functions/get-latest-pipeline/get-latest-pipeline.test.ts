import { describe, expect, it } from "vitest";
import { harness } from "../../helpers/harness";

const h = harness();
const { make, url } = h;

describe("GET /api/v4/projects/:id/pipelines/latest", () => {
  it("answers the ref's newest pipeline, never a child, main without ref=", async () => {
    const project = await make.project({ visibility: "public" });
    const main = await make.pipeline(project, { ref: "main" });
    await make.pipeline(project, { ref: "main", parent: main });
    const feature = await make.pipeline(project, { ref: "feature/x" });
    const byDefault = await h.fetch(url.latestPipeline(project));
    expect(byDefault.status).toBe(200);
    expect((await h.json(byDefault)).id).toBe(main.id);
    const byRef = await h.fetch(`${url.latestPipeline(project)}?ref=${encodeURIComponent("feature/x")}`);
    expect(await h.json(byRef)).toMatchObject({
      id: feature.id,
      ref: "feature/x",
      detailed_status: { group: "created" },
    });
  });

  it("is 403 for a ref without pipelines, as GitLab's authorize! on a nil pipeline is", async () => {
    const project = await make.project({ visibility: "public" });
    const res = await h.fetch(`${url.latestPipeline(project)}?ref=nothing-here`);
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('{"message":"403 Forbidden"}');
  });
});
