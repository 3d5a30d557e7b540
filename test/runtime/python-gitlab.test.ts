import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GITLAB_VERSION } from "../../functions/get-version";
import { type LocalWorker, startLocalWorker } from "../../lib/local/worker";
import { ACCESS_LEVELS } from "../../schema";
import { ensureDebianPackages } from "../helpers/debian";
import { harness, settings } from "../helpers/harness";
import { smallZip } from "../helpers/zips";

const run = promisify(execFile);
/** Debian's python-gitlab (3.12): the library, and its CLI from the gitlab-cli package. */
const CLI = "/usr/bin/python-gitlab";
const PYTHON = "/usr/bin/python3";

const h = harness();
let worker: LocalWorker;
let base: string;

/** This file's own data (unique names; other runtime files seed the demo): a private project, its maintainer's token, two pipelines on main. */
const seeded = { token: "", path: "", projectId: 0, jobId: 0, pipelines: [] as number[] };

async function seed() {
  const maintainer = await h.make.user();
  seeded.token = await h.make.pat(maintainer);
  const project = await h.make.project();
  await h.make.member(project, maintainer, ACCESS_LEVELS.maintainer);
  Object.assign(seeded, { path: project.full_path, projectId: project.id });
  for (const content of ['{"round": 1}\n', '{"round": 2}\n']) {
    const pipeline = await h.make.pipeline(project, { user: maintainer });
    const { job, token } = await h.make.job(pipeline, { name: "build" });
    await h.make.archive(job, smallZip({ "secret/config.json": content }));
    // The job finishes through the Worker, as a runner would; its pipeline rolls up to success.
    const res = await fetch(`${base}/api/v4/jobs/${job.id}`, {
      method: "PUT",
      headers: { "JOB-TOKEN": token, "content-type": "application/json" },
      body: JSON.stringify({ state: "success" }),
    });
    if (!res.ok) throw new Error(`finishing job ${job.id}: ${res.status}`);
    seeded.jobId = job.id;
    seeded.pipelines.unshift(pipeline.id);
  }
}

beforeAll(async () => {
  ensureDebianPackages(["python3-gitlab", "gitlab-cli"], CLI);
  // As a GitLab whose external_url is right: links point where the client connected.
  const { PUBLIC_URL: _ignored, ...rest } = settings();
  worker = await startLocalWorker({ settings: rest, logLevel: "error" });
  base = worker.url.origin;
  await seed();
}, 600_000);
afterAll(() => worker?.dispose());

/** The CLI with the maintainer's personal access token, JSON out. */
async function cli(...args: string[]): Promise<unknown> {
  const { stdout } = await run(CLI, ["--server-url", base, "--private-token", seeded.token, "-o", "json", ...args]);
  return JSON.parse(stdout);
}

/** Reads through python-gitlab's objects what a script would, and prints it as JSON. */
const SCRIPT = `
import json, sys, io, zipfile, gitlab
base, token, project_path, job_id = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
gl = gitlab.Gitlab(base, private_token=token)
gl.auth()
project = gl.projects.get(project_path)
job = project.jobs.get(job_id)
names = lambda data: sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())
pipelines = project.pipelines.list(per_page=1, get_all=True)
print(json.dumps({
  "user": gl.user.username,
  "version": gl.version()[0],
  "project": project.path_with_namespace,
  "job": [job.name, job.status, job.artifacts_file["filename"]],
  "by_job": names(job.artifacts()),
  "by_ref": names(project.artifacts.download(ref_name="main", job="build")),
  "raw": project.artifacts.raw("main", "secret/config.json", "build").decode(),
  "pipelines": [p.id for p in pipelines],
  "pipeline_jobs": sorted(j.name for j in project.pipelines.get(pipelines[-1].id).jobs.list(get_all=True)),
}))
`;

describe("python-gitlab (Debian's library and CLI) against the Worker in workerd", () => {
  it("the CLI authenticates with a personal access token (GET /user) and reads the user, project, jobs and pipelines", async () => {
    expect(await cli("current-user", "get")).toMatchObject({ username: expect.any(String), state: "active" });
    expect(await cli("project", "get", "--id", String(seeded.projectId))).toMatchObject({
      id: seeded.projectId,
      path_with_namespace: seeded.path,
    });
    const jobs = (await cli("project-job", "list", "--project-id", seeded.path)) as { id: number; status: string }[];
    expect(jobs.map((job) => [job.id, job.status])).toContainEqual([seeded.jobId, "success"]);
    const pipelines = (await cli("project-pipeline", "list", "--project-id", String(seeded.projectId))) as {
      id: number;
      status: string;
    }[];
    expect(pipelines.map((pipeline) => [pipeline.id, pipeline.status])).toEqual(
      seeded.pipelines.map((id) => [id, "success"]),
    );
  });

  it("the library downloads artifacts by job and by ref, one file raw, and follows Link pages", async () => {
    const { stdout } = await run(PYTHON, ["-c", SCRIPT, base, seeded.token, seeded.path, String(seeded.jobId)]);
    expect(JSON.parse(stdout)).toEqual({
      user: expect.any(String),
      version: GITLAB_VERSION,
      project: seeded.path,
      job: ["build", "success", "artifacts.zip"],
      by_job: ["secret/config.json"],
      by_ref: ["secret/config.json"],
      raw: '{"round": 2}\n',
      // One pipeline a page: the second came from the first page's Link.
      pipelines: seeded.pipelines,
      pipeline_jobs: ["build"],
    });
  });
});
