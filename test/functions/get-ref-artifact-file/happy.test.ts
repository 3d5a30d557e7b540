import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { harness } from "../../helpers/harness";
import { FILES, refFiles } from "./fixtures";

const h = harness();
const { published } = refFiles(h);

describe("GET /api/v4/projects/:id/jobs/artifacts/:ref_name/raw/*artifact_path?job=NAME", () => {
  it("costs one SQL statement and one storage read", async () => {
    const { url } = await published();
    const { result, queries, reads } = await h.cost(() => h.fetch(url("big.txt")));
    expect(await result.text()).toBe("0123456789".repeat(1000));
    expect(queries).toHaveLength(1);
    expect(reads).toHaveLength(1);
  });

  it("splits the URL at the last /raw/: a ref with slashes works, an archive path with raw/ is taken as part of the ref", async () => {
    const project = await h.make.project({ visibility: "public" });
    const pipeline = await h.make.pipeline(project, { ref: "feature/login" });
    const { job } = await h.make.job(pipeline, { name: "build" });
    await h.make.archive(job, zipSync(FILES));
    await h.make.finishPipeline(pipeline, "success");
    const base = `/api/v4/projects/${project.id}/jobs/artifacts`;
    expect((await h.fetch(`${base}/feature/login/raw/page.html?job=build`)).status).toBe(200);
    expect((await h.fetch(`${base}/feature%2Flogin/raw/page.html?job=build`)).status).toBe(200);
    // GitLab's greedy route reads ref "feature/login/raw/raw"... and finds no such pipeline.
    const greedy = await h.fetch(`${base}/feature/login/raw/raw/inside.txt?job=build`);
    expect(greedy.status).toBe(404);
    expect(await h.json(greedy)).toEqual({ message: "404 Not found" });
  });

  it("serves ranges of a sniffed file", async () => {
    const { url } = await published();
    const res = await h.fetch(url("big.txt"), { headers: { range: "bytes=5-14" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toBe("5678901234");
  });
});
