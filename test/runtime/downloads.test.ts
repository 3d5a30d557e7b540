import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Gitlab } from "@gitbeaker/rest";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Demo, demoCommands, seedDemo } from "../../lib/local/seed";
import { type LocalWorker, startLocalWorker } from "../../lib/local/worker";
import { ADMIN_TOKEN, settings } from "../helpers/harness";

const run = promisify(execFile);

/** gitbeaker hands text responses back as strings and the rest as Blobs, by Content-Type. */
const textOf = async (value: unknown) => (typeof value === "string" ? value : await (value as Blob).text());
let worker: LocalWorker;
let demo: Demo;
let base: string;

beforeAll(async () => {
  worker = await startLocalWorker({ settings: settings(), logLevel: "error" });
  base = worker.url.origin;
  demo = await seedDemo(base, ADMIN_TOKEN);
}, 120_000);
afterAll(() => worker?.dispose());

describe("downloads from the bundled Worker in workerd", () => {
  it("runs every curl command the demo prints, as printed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "artifact-edge-demo-"));
    const outputs: string[] = [];
    for (const command of demoCommands(base, demo)) {
      const { stdout } = await run("sh", ["-c", `${command} --silent --show-error --fail`], { cwd: dir });
      outputs.push(stdout);
      if (command.includes("--output artifacts.zip")) {
        const files = unzipSync(readFileSync(join(dir, "artifacts.zip")));
        expect(Object.keys(files)).toContain("dist/index.html");
      }
    }
    expect(outputs[2]).toContain("Hello from artifact-edge");
    expect(outputs[3]).toContain("Docs from a child pipeline.");
    expect(outputs[4]).toBe('{"internal": true}\n');
    expect(outputs[5]).toContain("Hello from artifact-edge");
  });

  it("saves the archive as artifacts.zip with curl -OJ, following the redirect", async () => {
    const dir = mkdtempSync(join(tmpdir(), "artifact-edge-oj-"));
    const url = `${base}/api/v4/projects/${demo.publicProject.id}/jobs/${demo.jobs.build}/artifacts`;
    const { stdout } = await run(
      "curl",
      ["--silent", "--fail", "--location", "-OJ", "--write-out", "%{filename_effective}", url],
      {
        cwd: dir,
      },
    );
    expect(stdout).toBe("artifacts.zip");
    expect(Object.keys(unzipSync(readFileSync(join(dir, "artifacts.zip"))))).toContain("README.md");
  });

  it("answers curl's Range request for one file with 206", async () => {
    const url = `${base}/api/v4/projects/${demo.publicProject.id}/jobs/${demo.jobs.build}/artifacts/README.md`;
    const { stdout } = await run("curl", ["--silent", "--fail", "--range", "2-7", url]);
    expect(stdout).toBe("demo/a");
  });

  it("serves @gitbeaker/rest: archive by job id and by ref, one file by job id and by ref", async () => {
    const api = new Gitlab({ host: base, token: demo.maintainerToken });
    const byId = await api.JobArtifacts.downloadArchive(demo.publicProject.id, { jobId: demo.jobs.build });
    expect(Object.keys(unzipSync(new Uint8Array(await byId.arrayBuffer())))).toContain("dist/app.js");
    const byRef = await api.JobArtifacts.downloadArchive(demo.privateProject.path, { ref: "main", job: "build" });
    expect(Object.keys(unzipSync(new Uint8Array(await byRef.arrayBuffer())))).toEqual(["secret/config.json"]);
    const file = await api.JobArtifacts.downloadArchive(demo.publicProject.id, {
      jobId: demo.jobs.build,
      artifactPath: "dist/app.js",
    });
    expect(await textOf(file)).toBe('console.log("hello");\n');
    const fromChild = await api.JobArtifacts.downloadArchive(demo.publicProject.path, {
      ref: "main",
      job: "docs",
      artifactPath: "docs/index.html",
    });
    expect(await textOf(fromChild)).toContain("Docs from a child pipeline.");
  });

  it("gives @gitbeaker/rest GitLab's errors: 404 for a private project without a token", async () => {
    const anonymous = new Gitlab({ host: base, token: "" });
    await expect(
      anonymous.JobArtifacts.downloadArchive(demo.privateProject.id, { jobId: demo.jobs.privateBuild }),
    ).rejects.toMatchObject({ cause: { response: { status: 404 } } });
  });
});
