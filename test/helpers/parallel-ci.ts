import { asc, eq } from "drizzle-orm";
import { expect } from "vitest";
import { ACCESS_LEVELS, pipelines } from "../../schema";
import type { CreatedJobEntity, Harness, PipelineEntity } from "./harness";
import { multipartUpload, smallZip } from "./zips";

/** Parallel CI runners, as issue 8 reproduced them: each drives one pipeline of the same project and ref. */
export const RUNNERS = 16;
const REF = "main";

type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

export interface ParallelCiOptions {
  /** How requests reach the service: the app in-process, or the Worker in workerd over HTTP. */
  fetch: Fetch;
  rounds: number;
  /** Error lines the service logged, where the test can see them (in-process); none to check otherwise. */
  errorLogs?: () => string[];
}

/**
 * One runner: a pipeline, two jobs, an archive per job naming its job, then both jobs finish at
 * once. Every status it meets is recorded, so the test can say which request failed.
 */
async function runner(h: Harness, fetch: Fetch, projectId: number, token: string, failures: string[]) {
  const { url } = h;
  const track = async (step: string, res: Response) => {
    if (res.status >= 500) failures.push(`${step}: ${res.status}`);
    if (res.status >= 300) throw new Error(`${step}: ${res.status} ${await res.text()}`);
    return res;
  };
  const pipeline = await h.json<PipelineEntity>(
    await track("create pipeline", await fetch(url.pipelines(projectId), h.send("POST", { ref: REF }, h.as(token)))),
  );
  const jobs = await Promise.all(
    ["build", "test"].map(async (name) =>
      h.json<CreatedJobEntity>(
        await track(
          `create ${name}`,
          await fetch(url.pipelineJobs(projectId, pipeline.id), h.send("POST", { name }, h.as(token))),
        ),
      ),
    ),
  );
  await Promise.all(
    jobs.map(async (job) =>
      track(
        "upload",
        await fetch(url.uploadJobArtifacts(job), {
          method: "POST",
          headers: { "JOB-TOKEN": job.token },
          body: multipartUpload(smallZip({ "job.txt": String(job.id) })),
        }),
      ),
    ),
  );
  await Promise.all(
    jobs.map(async (job) =>
      track("finish", await fetch(url.job(job), h.send("PUT", { state: "success" }, { "JOB-TOKEN": job.token }))),
    ),
  );
  return { pipeline, jobs };
}

/**
 * Issue 8 item 1's scenario: RUNNERS runners at once, `rounds` times, on one project and ref; after
 * every round no 5xx, every pipeline rolled up to success with its own iid, only the newest locked,
 * the ref route serving the newest; at the end every archive readable and its own job's.
 */
export async function parallelCi(h: Harness, { fetch, rounds, errorLogs = () => [] }: ParallelCiOptions) {
  const { url } = h;
  const text = async (path: string, token: string) => {
    const res = await fetch(path, { headers: h.as(token) });
    expect(res.status, path).toBe(200);
    return res.text();
  };
  const project = await h.make.project();
  const { token } = await h.make.memberWithToken(project, ACCESS_LEVELS.developer);
  const made: Awaited<ReturnType<typeof runner>>[] = [];

  for (let round = 0; round < rounds; round++) {
    const failures: string[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: RUNNERS }, () => runner(h, fetch, project.id, token, failures)),
    );
    const errors = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : []));
    expect({ failures, errors, logged: errorLogs() }, `round ${round}`).toEqual({
      failures: [],
      errors: [],
      logged: [],
    });
    for (const r of results) if (r.status === "fulfilled") made.push(r.value);

    const rows = await h.db
      .select({ id: pipelines.id, iid: pipelines.iid, status: pipelines.status, locked: pipelines.locked })
      .from(pipelines)
      .where(eq(pipelines.project_id, project.id))
      .orderBy(asc(pipelines.id));
    expect(rows).toHaveLength(RUNNERS * (round + 1));
    expect(new Set(rows.map((r) => r.iid)).size).toBe(rows.length);
    // Every job succeeded, so every pipeline rolled up to success.
    expect(rows.filter((r) => r.status !== "success")).toEqual([]);
    // keep_latest_artifact: only the newest successful pipeline of the ref stays locked.
    const newest = rows.at(-1);
    expect(rows.filter((r) => r.locked === "artifacts_locked").map((r) => r.id)).toEqual([newest?.id]);

    // The ref route serves the newest pipeline's job.
    const newestBuild = made.find((m) => m.pipeline.id === newest?.id)?.jobs.find((j) => j.name === "build");
    expect(await text(url.refArtifactFile(project.id, REF, "job.txt", "build"), token)).toBe(String(newestBuild?.id));
  }

  // Every archive of every round is readable and is its own job's.
  for (const { jobs } of made) {
    for (const job of jobs)
      expect(await text(url.jobArtifactFile(project.id, job.id, "job.txt"), token)).toBe(String(job.id));
  }
}
