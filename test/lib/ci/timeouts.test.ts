import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { JOB_TOKEN_LIFETIME_SECONDS } from "../../../lib/auth/rules";
import { dropTimedOutJobs, TIMEOUT_FAILURE } from "../../../lib/ci/timeouts";
import { jobs, pipelines } from "../../../schema";
import { harness } from "../../helpers/harness";

const h = harness();
const { make, db, url } = h;

const ago = (seconds: number) => new Date(Date.now() - seconds * 1000);
const jobRow = async (id: number) => (await db.select().from(jobs).where(eq(jobs.id, id)))[0];
const pipelineRow = async (id: number) => (await db.select().from(pipelines).where(eq(pipelines.id, id)))[0];

describe("the scheduled pass drops jobs whose token died (timeout plus leeway)", () => {
  it("fails a job still running past its timeout, and its pipeline rolls up to failed", async () => {
    const project = await make.project();
    const pipeline = await make.pipeline(project);
    const { job } = await make.job(pipeline, { startedAt: ago(JOB_TOKEN_LIFETIME_SECONDS + 60) });
    await dropTimedOutJobs(h.services);
    expect(await jobRow(job.id)).toMatchObject({ status: "failed", failure_reason: TIMEOUT_FAILURE });
    expect((await jobRow(job.id))?.finished_at).toBeInstanceOf(Date);
    expect(await pipelineRow(pipeline.id)).toMatchObject({ status: "failed" });
  });

  it("leaves a job within its timeout and leeway running, and finished jobs as they are", async () => {
    const project = await make.project();
    const pipeline = await make.pipeline(project);
    const { job: running } = await make.job(pipeline, { startedAt: ago(JOB_TOKEN_LIFETIME_SECONDS - 60) });
    const { job: done } = await make.job(pipeline, {
      name: "old",
      status: "success",
      startedAt: ago(JOB_TOKEN_LIFETIME_SECONDS * 3),
    });
    await dropTimedOutJobs(h.services);
    expect(await jobRow(running.id)).toMatchObject({ status: "running", failure_reason: null });
    expect(await jobRow(done.id)).toMatchObject({ status: "success", failure_reason: null });
    expect(await pipelineRow(pipeline.id)).toMatchObject({ status: "running" });
  });

  it("settles a pipeline whose other jobs passed: an allowed failure lets it succeed and unlock older ones", async () => {
    const project = await make.project();
    const older = await make.pipeline(project, { ref: "main", locked: true });
    await make.job(older, { status: "success" });
    const pipeline = await make.pipeline(project, { ref: "main", locked: true });
    await make.job(pipeline, { status: "success" });
    const { job } = await make.job(pipeline, {
      name: "flaky",
      allowFailure: true,
      startedAt: ago(JOB_TOKEN_LIFETIME_SECONDS + 60),
    });
    await dropTimedOutJobs(h.services);
    expect(await jobRow(job.id)).toMatchObject({ status: "failed", failure_reason: TIMEOUT_FAILURE });
    expect(await pipelineRow(pipeline.id)).toMatchObject({ status: "success" });
    expect(await pipelineRow(older.id)).toMatchObject({ locked: "unlocked" });
  });

  it("runs beside runners finishing the pipeline's other jobs: no 5xx, no success lost, the roll-up sees every job", async () => {
    const pipeline = await make.pipeline(await make.project());
    const overdue = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        make.job(pipeline, {
          name: `stale-${i}`,
          allowFailure: true,
          startedAt: ago(JOB_TOKEN_LIFETIME_SECONDS + 60),
        }),
      ),
    );
    const live = await Promise.all(Array.from({ length: 8 }, (_, i) => make.job(pipeline, { name: `live-${i}` })));
    const finishes = live.map(({ job, token }) =>
      h.fetch(url.job(job), h.send("PUT", { state: "success" }, { "JOB-TOKEN": token })),
    );
    const [statuses] = await Promise.all([
      Promise.all(finishes).then((answers) => answers.map((res) => res.status)),
      dropTimedOutJobs(h.services),
      dropTimedOutJobs(h.services),
    ]);
    expect(statuses).toEqual(live.map(() => 200));
    for (const { job } of live) expect(await jobRow(job.id)).toMatchObject({ status: "success" });
    for (const { job } of overdue) {
      expect(await jobRow(job.id)).toMatchObject({ status: "failed", failure_reason: TIMEOUT_FAILURE });
    }
    expect(await pipelineRow(pipeline.id)).toMatchObject({ status: "success" });
  });
});
