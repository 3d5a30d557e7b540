import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { serve } from "@hono/node-server";
import { strToU8, unzipSync, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../functions/app";
import { type LocalWorker, startLocalWorker } from "../../lib/local/worker";
import { ACCESS_LEVELS } from "../../schema";
import { ensureDebianPackages } from "../helpers/debian";
import { harness, settings } from "../helpers/harness";

/**
 * GitLab's client libraries as Debian packages them, unchanged, against the Worker in workerd:
 * the Ruby `gitlab` gem 4.17 (HTTParty), go-gitlab 0.73 and python-gitlab 3.12. Each downloads
 * both archive routes and both single-file routes of a private project.
 */
const run = promisify(execFile);
const h = harness();
const dir = mkdtempSync(join(tmpdir(), "artifact-edge-clients-"));
let worker: LocalWorker;

const FILES = { "dist/app.js": 'console.log("hello");\n', "README.md": "# clients\n" };
/**
 * What the gem fetches one file of: a binary one. The gem takes a body for a file only when
 * HTTParty leaves it binary, which it does not when Content-Type names a charset (a text file's,
 * as Workhorse sends it too): then it parses the file as JSON and fails, against GitLab as here.
 */
const BINARY = { path: "bin/tool", bytes: Uint8Array.from({ length: 256 }, (_, i) => i) };
let target: { projectId: number; path: string; jobId: number; token: string; zip: Uint8Array };

beforeAll(async () => {
  ensureDebianPackages(["ruby-gitlab"], "/usr/bin/ruby-gitlab");
  ensureDebianPackages(
    ["golang-go", "golang-github-xanzy-go-gitlab-dev"],
    "/usr/share/gocode/src/github.com/xanzy/go-gitlab/jobs.go",
  );
  ensureDebianPackages(["golang-go"], "/usr/bin/go");
  ensureDebianPackages(["python3-gitlab"], "/usr/lib/python3/dist-packages/gitlab/__init__.py");
  worker = await startLocalWorker({ settings: settings(), logLevel: "error" });
  const zip = zipSync({
    ...Object.fromEntries(Object.entries(FILES).map(([name, text]) => [name, strToU8(text)])),
    [BINARY.path]: BINARY.bytes,
  });
  const made = await h.make.jobWithArchive(zip, { job: { name: "build", status: "success" } });
  await h.make.finishPipeline(made.pipeline);
  // A GitLab-shaped PAT (glpat-…, past 20 characters): the gem sends it as Authorization: Bearer.
  const { token } = await h.make.memberWithToken(made.project, ACCESS_LEVELS.reporter, ["read_api"]);
  target = { projectId: made.project.id, path: made.project.full_path, jobId: made.job.id, token, zip };
}, 600_000);
afterAll(() => worker?.dispose());

/** What each client script prints: one result per call, the body base64-encoded. */
interface Result {
  readonly body?: string;
  readonly error?: string;
}
const bytesOf = (result: Result | undefined) => new Uint8Array(Buffer.from(result?.body ?? "", "base64"));
const entriesOf = (result: Result | undefined) => Object.keys(unzipSync(bytesOf(result))).sort();

/** The four downloads every client makes, in this order; the files are `file`'s bytes. */
async function expectFourDownloads(results: Result[], file = strToU8(FILES["dist/app.js"])) {
  expect(results.map((result) => result.error)).toEqual([undefined, undefined, undefined, undefined]);
  expect(bytesOf(results[0])).toEqual(target.zip);
  expect(entriesOf(results[1])).toEqual([...Object.keys(FILES), BINARY.path].sort());
  expect(bytesOf(results[2])).toEqual(file);
  expect(bytesOf(results[3])).toEqual(file);
}

const RUBY = `
require "gitlab"
require "json"
require "base64"
client = Gitlab.client(endpoint: ARGV[0], private_token: ARGV[2])
project_id, path, job_id = Integer(ARGV[3]), ARGV[4], Integer(ARGV[5])
calls = [
  -> { client.job_artifacts(project_id, job_id) },
  -> { client.job_artifacts_download(path, "main", "build").read },
  -> { client.download_job_artifact_file(project_id, job_id, "bin/tool").read },
  -> { client.download_branch_artifact_file(path, "main", "bin/tool", "build").read },
]
puts JSON.generate(calls.map { |call|
  begin
    { body: Base64.strict_encode64(call.call) }
  rescue StandardError => e
    { error: "#{e.class}: #{e.message}" }
  end
})
`;

/** Runs a client's program with the base URL, `kind` of credential and the target; its results. */
async function runClient(command: string, script: string[], base: string, kind: string): Promise<Result[]> {
  const { projectId, path, jobId, token } = target;
  const { stdout } = await run(command, [...script, base, kind, token, String(projectId), path, String(jobId)]);
  return JSON.parse(stdout) as Result[];
}

function ruby(base: string): Promise<Result[]> {
  const script = join(dir, "download.rb");
  writeFileSync(script, RUBY);
  return runClient("ruby", [script], `${base}/api/v4`, "private_token");
}

/** The archive by job id through `curl --location` with the PAT as Authorization: Bearer. */
async function curlArchive(base: string): Promise<Uint8Array> {
  const url = `${base}/api/v4/projects/${target.projectId}/jobs/${target.jobId}/artifacts`;
  const { stdout } = await run(
    "curl",
    ["--silent", "--show-error", "--fail", "--location", "--header", `Authorization: Bearer ${target.token}`, url],
    { encoding: "buffer" },
  );
  return new Uint8Array(stdout);
}

describe("curl --location with Authorization: Bearer", () => {
  it("gets the archive", async () => {
    expect(await curlArchive(worker.url.origin)).toEqual(target.zip);
  });
});

describe("the Ruby gitlab gem (HTTParty, which sends Authorization again after a redirect)", () => {
  it("downloads both archives and both single files", async () => {
    await expectFourDownloads(await ruby(worker.url.origin), BINARY.bytes);
  });

  it("with PROXY_DOWNLOAD=never meets S3's 400 on the archives, the issue auto exists for", async () => {
    const services = { ...h.services, config: { ...h.services.config, PROXY_DOWNLOAD: "never" as const } };
    const app = createApp(async () => ({ services }));
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
    await once(server, "listening");
    try {
      const results = await ruby(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      expect(results[0]?.error).toMatch(/^Gitlab::Error::BadRequest: .*Only one auth mechanism allowed/s);
      expect(results[1]?.error).toMatch(/^Gitlab::Error::BadRequest: .*Only one auth mechanism allowed/s);
      expect(bytesOf(results[2])).toEqual(BINARY.bytes);
      // curl (7.58 and later) does not send a custom Authorization on to another host or port.
      expect(await curlArchive(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)).toEqual(target.zip);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

const GO = `package main

import (
	"encoding/json"
	"io"
	"os"
	"strconv"

	"github.com/xanzy/go-gitlab"
)

type result struct {
	Body  []byte \`json:"body,omitempty"\`
	Error string \`json:"error,omitempty"\`
}

func main() {
	base, kind, token, path := os.Args[1], os.Args[2], os.Args[3], os.Args[5]
	projectID, _ := strconv.Atoi(os.Args[4])
	jobID, _ := strconv.Atoi(os.Args[6])
	newClient := gitlab.NewClient
	if kind == "oauth" {
		newClient = gitlab.NewOAuthClient
	}
	client, err := newClient(token, gitlab.WithBaseURL(base), gitlab.WithoutRetries())
	if err != nil {
		panic(err)
	}
	job := "build"
	calls := []func() (io.Reader, *gitlab.Response, error){
		func() (io.Reader, *gitlab.Response, error) { return client.Jobs.GetJobArtifacts(projectID, jobID) },
		func() (io.Reader, *gitlab.Response, error) {
			return client.Jobs.DownloadArtifactsFile(path, "main", &gitlab.DownloadArtifactsFileOptions{Job: &job})
		},
		func() (io.Reader, *gitlab.Response, error) {
			return client.Jobs.DownloadSingleArtifactsFile(projectID, jobID, "dist/app.js")
		},
		func() (io.Reader, *gitlab.Response, error) {
			return client.Jobs.DownloadSingleArtifactsFileByTagOrBranch(path, "main", "dist/app.js", &gitlab.DownloadArtifactsFileOptions{Job: &job})
		},
	}
	results := []result{}
	for _, call := range calls {
		body, _, err := call()
		if err != nil {
			results = append(results, result{Error: err.Error()})
			continue
		}
		bytes, _ := io.ReadAll(body)
		results = append(results, result{Body: bytes})
	}
	json.NewEncoder(os.Stdout).Encode(results)
}
`;

/**
 * The Go program, built once per run offline from Debian's sources (GOPATH mode, no module
 * proxy), with a build cache of its own in the run's temporary directory.
 */
async function goProgram(): Promise<string> {
  const gopath = join(dir, "go");
  mkdirSync(join(gopath, "src", "download"), { recursive: true });
  writeFileSync(join(gopath, "src", "download", "main.go"), GO);
  const binary = join(dir, "download-go");
  await run("go", ["build", "-o", binary, "download"], {
    cwd: gopath,
    env: {
      ...process.env,
      GO111MODULE: "off",
      GOPATH: `${gopath}:/usr/share/gocode`,
      GOCACHE: join(dir, "go-cache"),
      GOFLAGS: "",
      GOPROXY: "off",
    },
  });
  return binary;
}

describe("go-gitlab", () => {
  let binary: string;
  beforeAll(async () => {
    binary = await goProgram();
  }, 300_000);

  it.each([
    ["NewClient (PRIVATE-TOKEN; the archives through the 302)", "private"],
    ["NewOAuthClient (Authorization: Bearer; the archives streamed)", "oauth"],
  ])("%s: GetJobArtifacts, DownloadArtifactsFile, DownloadSingleArtifactsFile, ...ByTagOrBranch", async (_, kind) => {
    await expectFourDownloads(await runClient(binary, [], `${worker.url.origin}/api/v4`, kind));
  });
});

const PYTHON = `
import base64, json, sys
import gitlab
base, kind, token, project_id, path, job_id = sys.argv[1:7]
gl = gitlab.Gitlab(base, **{kind: token})
project = gl.projects.get(int(project_id), lazy=True)
by_path = gl.projects.get(path, lazy=True)
job = project.jobs.get(int(job_id), lazy=True)
calls = [
    lambda: job.artifacts(),
    lambda: by_path.artifacts.download(ref_name="main", job="build"),
    lambda: job.artifact("dist/app.js"),
    lambda: by_path.artifacts.raw("main", "dist/app.js", "build"),
]
results = []
for call in calls:
    try:
        results.append({"body": base64.b64encode(call()).decode()})
    except Exception as e:
        results.append({"error": f"{type(e).__name__}: {e}"})
print(json.dumps(results))
`;

describe("python-gitlab (requests)", () => {
  it.each([
    ["private_token (PRIVATE-TOKEN; the archives through the 302)", "private_token"],
    ["oauth_token (Authorization: Bearer; the archives streamed)", "oauth_token"],
  ])("%s: job.artifacts, artifacts.download, job.artifact, artifacts.raw", async (_, kind) => {
    const script = join(dir, "download.py");
    writeFileSync(script, PYTHON);
    await expectFourDownloads(await runClient("/usr/bin/python3", [script], worker.url.origin, kind));
  });
});
