import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Demo, seedDemo } from "../../lib/local/seed";
import { type LocalWorker, startLocalWorker } from "../../lib/local/worker";
import { ensureDebianPackages } from "../helpers/debian";
import { ADMIN_TOKEN, settings } from "../helpers/harness";

const run = promisify(execFile);
/** Debian's python-gitlab (3.12): the library, and its CLI from the gitlab-cli package. */
const CLI = "/usr/bin/python-gitlab";
const PYTHON = "/usr/bin/python3";

let worker: LocalWorker;
let demo: Demo;
let base: string;

beforeAll(async () => {
  ensureDebianPackages(["python3-gitlab", "gitlab-cli"], CLI);
  // As a GitLab whose external_url is right: links point where the client connected.
  const { PUBLIC_URL: _ignored, ...rest } = settings();
  worker = await startLocalWorker({ settings: rest, logLevel: "error" });
  base = worker.url.origin;
  demo = await seedDemo(base, ADMIN_TOKEN);
}, 600_000);
afterAll(() => worker?.dispose());

/** The CLI with the demo maintainer's personal access token, JSON out. */
async function cli(...args: string[]): Promise<unknown> {
  const { stdout } = await run(CLI, [
    "--server-url",
    base,
    "--private-token",
    demo.maintainerToken,
    "-o",
    "json",
    ...args,
  ]);
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
  "public_pipelines": [p.id for p in gl.projects.get("demo/app").pipelines.list(per_page=1, get_all=True)],
}))
`;

describe("python-gitlab (Debian's library and CLI) against the Worker in workerd", () => {
  it("the CLI authenticates with a personal access token (GET /user) and reads the user, project, jobs and pipelines", async () => {
    expect(await cli("current-user", "get")).toMatchObject({ username: expect.any(String), state: "active" });
    expect(await cli("project", "get", "--id", String(demo.publicProject.id))).toMatchObject({
      id: demo.publicProject.id,
      path_with_namespace: "demo/app",
    });
    const jobs = (await cli("project-job", "list", "--project-id", String(demo.publicProject.id))) as { id: number }[];
    expect(jobs.map((job) => job.id)).toContain(demo.jobs.build);
    const pipelines = (await cli("project-pipeline", "list", "--project-id", "demo/app")) as { ref: string }[];
    expect(pipelines.length).toBeGreaterThan(0);
    expect(pipelines.every((pipeline) => pipeline.ref === "main")).toBe(true);
  });

  it("the library downloads artifacts by job and by ref, one file raw, and follows Link pages", async () => {
    const { stdout } = await run(PYTHON, [
      "-c",
      SCRIPT,
      base,
      demo.maintainerToken,
      "demo/private-app",
      String(demo.jobs.privateBuild),
    ]);
    const seen = JSON.parse(stdout);
    expect(seen).toMatchObject({
      version: "18.0.0",
      project: "demo/private-app",
      job: ["build", "success", "artifacts.zip"],
      by_job: ["secret/config.json"],
      by_ref: ["secret/config.json"],
      raw: '{"internal": true}\n',
      pipeline_jobs: ["build"],
    });
    expect(seen.pipelines.length).toBeGreaterThan(0);
    // One pipeline a page: every page after the first came from the previous page's Link.
    const listed = (await cli("project-pipeline", "list", "--project-id", "demo/app")) as { id: number }[];
    expect(listed.length).toBeGreaterThan(1);
    expect(seen.public_pipelines).toEqual(listed.map((pipeline) => pipeline.id));
  });
});
