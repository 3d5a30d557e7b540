import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { jobArtifacts } from "../../schema";
import { factories } from "../helpers/factories";
import { body, harness } from "../helpers/harness";
import { smallZip } from "../helpers/zips";

const { fetch, db, storage, cost } = harness();
const make = factories(db, storage);

type Project = Awaited<ReturnType<typeof make.project>>;

/** A successful pipeline on `ref` with a job `name` that has an archive; returns its key. */
async function successfulRun(
  project: Project,
  ref: string,
  name: string,
  options: { parent?: Awaited<ReturnType<typeof make.pipeline>> } = {},
) {
  const pipeline = await make.pipeline(project, { ref, parent: options.parent });
  const { job } = await make.job(pipeline, { name, status: "success" });
  const stored = await make.archive(job, smallZip({ "who.txt": `${ref}:${name}:${pipeline.id}` }));
  await make.finishPipeline(pipeline, "success");
  return { pipeline, job, key: stored.key };
}

function download(project: Project, ref: string, job: string) {
  return fetch(`/api/v4/projects/${project.id}/jobs/artifacts/${ref}/download?job=${encodeURIComponent(job)}`);
}

/** The storage key the redirect points at. */
const keyOf = (res: Response) =>
  decodeURIComponent(new URL(res.headers.get("location") ?? "").pathname).replace(/^\/[^/]+\//, "");

describe("GET /api/v4/projects/:id/jobs/artifacts/:ref_name/download?job=NAME", () => {
  it("redirects to the job's archive in the ref's newest successful pipeline, in one SQL statement", async () => {
    const project = await make.project({ visibility: "public" });
    await successfulRun(project, "main", "build");
    const newest = await successfulRun(project, "main", "build");
    const { result: res, queries, reads } = await cost(() => download(project, "main", "build"));
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

  it("does not fall back to an older pipeline when the newest successful one lacks the job", async () => {
    const project = await make.project({ visibility: "public" });
    await successfulRun(project, "main", "build");
    await successfulRun(project, "main", "lint");
    const res = await download(project, "main", "build");
    expect(res.status).toBe(404);
    expect(await body(res)).toEqual({ message: "404 Not found" });
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

  it("matches job names exactly: spaces, plus signs, slashes and unicode", async () => {
    const project = await make.project({ visibility: "public" });
    for (const name of ["build zip", "c++ build", "deploy/prod", "tést ✓"]) {
      const run = await successfulRun(project, "main", name);
      expect(keyOf(await download(project, "main", name))).toBe(run.key);
    }
    expect((await download(project, "main", "BUILD ZIP")).status).toBe(404);
  });

  it("is 400 job is missing without ?job=, and 404 for an empty one", async () => {
    const project = await make.project({ visibility: "public" });
    await successfulRun(project, "main", "build");
    const missing = await fetch(`/api/v4/projects/${project.id}/jobs/artifacts/main/download`);
    expect(missing.status).toBe(400);
    expect(await body(missing)).toEqual({ error: "job is missing" });
    const empty = await fetch(`/api/v4/projects/${project.id}/jobs/artifacts/main/download?job=`);
    expect(empty.status).toBe(404);
  });

  it("is 404 Not Found when the found job has only report artifacts", async () => {
    const project = await make.project({ visibility: "public" });
    const run = await successfulRun(project, "main", "test");
    await db
      .update(jobArtifacts)
      .set({ file_type: "junit", file_format: "gzip" })
      .where(eq(jobArtifacts.job_id, run.job.id));
    const res = await download(project, "main", "test");
    expect(res.status).toBe(404);
    expect(await body(res)).toEqual({ message: "404 Not Found" });
  });

  it("ignores pipelines of other projects on the same ref", async () => {
    const project = await make.project({ visibility: "public" });
    const other = await make.project({ visibility: "public" });
    await successfulRun(other, "main", "build");
    expect((await download(project, "main", "build")).status).toBe(404);
  });
});
