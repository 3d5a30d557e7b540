import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS, pipelines } from "../../../schema";
import { type CreatedJobEntity, harness, type PipelineEntity } from "../../helpers/harness";
import { multipartUpload, smallZip } from "../../helpers/zips";

const h = harness();
const { make, url } = h;

/** Parallel CI runners, as the issue reproduced them: each drives one pipeline of the same project and ref. */
const RUNNERS = 16;
const ROUNDS = 2;
const REF = "main";

/**
 * One runner: a pipeline, two jobs, an archive per job naming its job, then both jobs finish at
 * once. Every status it meets is recorded, so the test can say which request failed.
 */
async function runner(projectId: number, token: string, failures: string[]) {
  const track = async (step: string, res: Response) => {
    if (res.status >= 500) failures.push(`${step}: ${res.status}`);
    if (res.status >= 300) throw new Error(`${step}: ${res.status} ${await res.text()}`);
    return res;
  };
  const pipeline = await h.json<PipelineEntity>(
    await track("create pipeline", await h.fetch(url.pipelines(projectId), h.send("POST", { ref: REF }, h.as(token)))),
  );
  const jobs = await Promise.all(
    ["build", "test"].map(async (name) =>
      h.json<CreatedJobEntity>(
        await track(
          `create ${name}`,
          await h.fetch(url.pipelineJobs(projectId, pipeline.id), h.send("POST", { name }, h.as(token))),
        ),
      ),
    ),
  );
  await Promise.all(
    jobs.map(async (job) =>
      track(
        "upload",
        await h.fetch(url.uploadJobArtifacts(job), {
          method: "POST",
          headers: { "JOB-TOKEN": job.token },
          body: multipartUpload(smallZip({ "job.txt": String(job.id) })),
        }),
      ),
    ),
  );
  await Promise.all(
    jobs.map(async (job) =>
      track("finish", await h.fetch(url.job(job), h.send("PUT", { state: "success" }, { "JOB-TOKEN": job.token }))),
    ),
  );
  return { pipeline, jobs };
}

async function text(path: string, token: string): Promise<string> {
  const res = await h.fetch(path, { headers: h.as(token) });
  expect(res.status, path).toBe(200);
  return res.text();
}

describe("parallel CI on one project and ref", () => {
  it(`${RUNNERS} runners × ${ROUNDS} rounds: no 5xx, every pipeline rolls up, the ref serves the newest, locks as GitLab leaves them`, async () => {
    const project = await make.project();
    const { token } = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    const made: Awaited<ReturnType<typeof runner>>[] = [];

    for (let round = 0; round < ROUNDS; round++) {
      const failures: string[] = [];
      const results = await Promise.allSettled(
        Array.from({ length: RUNNERS }, () => runner(project.id, token, failures)),
      );
      const errors = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : []));
      const logged = h.logs.filter((l) => l.level === "error").map((l) => JSON.stringify(l).slice(0, 300));
      expect({ failures, errors, logged }, `round ${round}`).toEqual({ failures: [], errors: [], logged: [] });
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
  });
});
