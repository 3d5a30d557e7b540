import { describe, expect, it } from "vitest";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";
import { keyOf, refArchives } from "./fixtures";

const h = harness();
const { make } = h;
const { download, successfulRun } = refArchives(h);

describe("GET /api/v4/projects/:id/jobs/artifacts/:ref_name/download?job=NAME", () => {
  it("redirects to the job's archive in the ref's newest successful pipeline, in one SQL statement", async () => {
    const project = await make.project({ visibility: "public" });
    await successfulRun(project, "main", "build");
    const newest = await successfulRun(project, "main", "build");
    const { result: res, queries, reads } = await h.cost(() => download(project, "main", "build"));
    expect(res.status).toBe(302);
    expect(keyOf(res)).toBe(newest.key);
    expect(queries).toHaveLength(1);
    expect(reads).toHaveLength(0);
  });

  it("skips newer pipelines that did not succeed", async () => {
    const project = await make.project({ visibility: "public" });
    const good = await successfulRun(project, "main", "build");
    const failed = await make.pipeline(project, { ref: "main" });
    const { job } = await make.job(failed, { name: "build", status: "success" });
    await make.archive(job, smallZip());
    await make.finishPipeline(failed, "failed");
    const running = await make.pipeline(project, { ref: "main" });
    await make.job(running, { name: "build" });
    expect(keyOf(await download(project, "main", "build"))).toBe(good.key);
  });

  it("finds a job of a child pipeline through the parent's ref, and prefers the parent's own job", async () => {
    const project = await make.project({ visibility: "public" });
    const parent = await successfulRun(project, "main", "build");
    const child = await successfulRun(project, "main", "docs", { parent: parent.pipeline });
    await successfulRun(project, "main", "build", { parent: parent.pipeline });
    expect(keyOf(await download(project, "main", "docs"))).toBe(child.key);
    expect(keyOf(await download(project, "main", "build"))).toBe(parent.key);
  });

  it("never takes a child pipeline as the ref's latest pipeline", async () => {
    const project = await make.project({ visibility: "public" });
    const parent = await successfulRun(project, "main", "build");
    // A newer successful child pipeline on the same ref does not replace its parent.
    await successfulRun(project, "main", "build", { parent: parent.pipeline });
    expect(keyOf(await download(project, "main", "build"))).toBe(parent.key);
  });

  it("counts only the newest attempt of a retried job", async () => {
    const project = await make.project({ visibility: "public" });
    const pipeline = await make.pipeline(project, { ref: "main" });
    const first = await make.job(pipeline, { name: "build", status: "failed" });
    await make.archive(first.job, smallZip({ attempt: "1" }));
    const second = await make.job(pipeline, { name: "build", status: "success" });
    const stored = await make.archive(second.job, smallZip({ attempt: "2" }));
    await make.finishPipeline(pipeline, "success");
    expect(keyOf(await download(project, "main", "build"))).toBe(stored.key);
  });

  it("returns a failed job's artifacts inside a successful pipeline (artifacts:when: always)", async () => {
    const project = await make.project({ visibility: "public" });
    const pipeline = await make.pipeline(project, { ref: "main" });
    const { job } = await make.job(pipeline, { name: "flaky", status: "failed", allowFailure: true });
    const stored = await make.archive(job, smallZip());
    await make.finishPipeline(pipeline, "success");
    expect(keyOf(await download(project, "main", "flaky"))).toBe(stored.key);
  });

  it("matches refs exactly, with slashes encoded or not", async () => {
    const project = await make.project({ visibility: "public" });
    const feature = await successfulRun(project, "feature/x", "build");
    const mr = await successfulRun(project, "refs/merge-requests/12/head", "build");
    expect(keyOf(await download(project, "feature/x", "build"))).toBe(feature.key);
    expect(keyOf(await download(project, "feature%2Fx", "build"))).toBe(feature.key);
    expect(keyOf(await download(project, "refs/merge-requests/12/head", "build"))).toBe(mr.key);
    expect((await download(project, "Feature/X", "build")).status).toBe(404);
    expect((await download(project, "HEAD", "build")).status).toBe(404);
  });

  it.each(["build zip", "c++ build", "deploy/prod", "tést ✓"])(
    "matches job names exactly: spaces, plus signs, slashes and unicode: %s",
    async (name) => {
      const project = await make.project({ visibility: "public" });
      const run = await successfulRun(project, "main", name);
      expect(keyOf(await download(project, "main", name))).toBe(run.key);
      expect((await download(project, "main", name.toUpperCase())).status).toBe(404);
    },
  );
});
