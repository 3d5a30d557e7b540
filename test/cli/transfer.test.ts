import { once } from "node:events";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../schema/projects";
import { random, text } from "../helpers/bytes";
import { unique } from "../helpers/harness";
import { cliStack, MAX_ARTIFACT_SIZE, SPAWNING } from "./stack";

const s = cliStack();

/** A loopback port nothing listens on any more. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
const json = <T = Record<string, unknown>>(text: string) => JSON.parse(text) as T;
const read = (name: string) => new Uint8Array(readFileSync(join(s.home, name)));

/** A zip with a small deflated file and a big stored one (stored, so a range of it is served as 206). */
function archive(big = 600_000) {
  const blob = random(big);
  const zip = zipSync({
    "dist/index.html": text("<h1>built</h1>\n"),
    "dist/blob.bin": [blob, { level: 0 }],
  });
  return { zip, blob };
}

/** A private project's successful `build` job on `main` with an archive, and a Developer's token. */
async function privateBuild(zip: Uint8Array) {
  const made = await s.make.jobWithArchive(zip, { job: { status: "success", name: "build" } });
  await s.make.finishPipeline(made.pipeline);
  const { token } = await s.make.memberWithToken(made.project, ACCESS_LEVELS.developer);
  return { ...made, token, path: made.project.full_path };
}

/** A running job made through the command line, and the environment `job create` prints for it. */
async function runningJob() {
  const path = unique("up");
  const project = await s.admin(["project", "create", path, "--visibility", "public", "--json"]);
  const full = json<{ path_with_namespace: string }>(project.out).path_with_namespace;
  const pipeline = await s.admin(["pipeline", "create", "--project", full, "--ref", "main", "--json"]);
  const pipelineId = String(json<{ id: number }>(pipeline.out).id);
  const job = await s.admin(["job", "create", "--project", full, "--pipeline", pipelineId, "--name", "build"]);
  expect(job.out).toMatch(/^CI_JOB_ID=\d+\nCI_JOB_TOKEN=\S+\n$/);
  const env = Object.fromEntries(
    job.out
      .trim()
      .split("\n")
      .map((line) => line.split("=", 2) as [string, string]),
  );
  return { project: full, env: { ...env, ARTIFACT_EDGE_URL: s.url }, jobId: Number(env.CI_JOB_ID) };
}

describe("download", SPAWNING, () => {
  it("the issue's example: one file by ref and job name to stdout, with --token or ARTIFACT_EDGE_TOKEN", async () => {
    const { zip } = archive(10);
    const build = await privateBuild(zip);
    const args = ["download", "--url", s.url, "--project", build.path, "--ref", "main", "--job", "build"];
    const ran = await s.cli([...args, "--token", build.token, "--path", "dist/index.html", "--output", "-"]);
    expect([ran.code, ran.out, ran.stderr]).toEqual([0, "<h1>built</h1>\n", ""]);
    const byId = await s.cli(
      [
        "download",
        "--url",
        s.url,
        "--project",
        build.path,
        "--job-id",
        String(build.job.id),
        "--path",
        "dist/index.html",
        "--output",
        "-",
      ],
      { env: { ARTIFACT_EDGE_TOKEN: build.token } },
    );
    expect([byId.code, byId.out]).toEqual([0, "<h1>built</h1>\n"]);
  });

  it("the archive by job id into artifacts.zip, by ref into --output, a file into a folder; --json says what was written", async () => {
    const { zip } = archive(1000);
    const build = await privateBuild(zip);
    const env = { ARTIFACT_EDGE_TOKEN: build.token, ARTIFACT_EDGE_URL: s.url };
    const byId = await s.cli(["download", "--project", build.path, "--job-id", String(build.job.id), "--json"], {
      env,
    });
    expect(byId.code).toBe(0);
    expect(json(byId.out)).toEqual({ output: "artifacts.zip", size: zip.length, resumed_from: 0 });
    expect(read("artifacts.zip")).toEqual(zip);

    const byRef = await s.cli(
      ["download", "--project", build.path, "--ref", "main", "--job", "build", "--output", "ref.zip"],
      { env },
    );
    expect([byRef.code, byRef.out]).toEqual([0, `saved ref.zip (${(zip.length / 1024).toFixed(1)} KiB)\n`]);
    expect(read("ref.zip")).toEqual(zip);

    mkdirSync(join(s.home, "site"), { recursive: true });
    const intoFolder = ["--job-id", String(build.job.id), "--path", "dist/index.html", "--output", "site"];
    const file = await s.cli(["download", "--project", build.path, ...intoFolder], { env });
    expect([file.code, file.out]).toEqual([0, `saved ${join("site", "index.html")} (15 B)\n`]);
    expect(readFileSync(join(s.home, "site", "index.html"), "utf8")).toBe("<h1>built</h1>\n");
  });

  it("answers GitLab's refusals with exit 2 and their message: no token, no such file", async () => {
    const build = await privateBuild(archive(10).zip);
    const base = ["download", "--url", s.url, "--project", build.path, "--job-id", String(build.job.id)];
    const anonymous = await s.cli([...base, "--output", "-"]);
    expect([anonymous.code, anonymous.stderr, anonymous.out]).toEqual([
      2,
      "artifact-edge: 404 Project Not Found\n",
      "",
    ]);
    const missing = await s.cli([...base, "--token", build.token, "--path", "nope.txt", "--output", "-"]);
    expect([missing.code, missing.stderr]).toEqual([2, "artifact-edge: 404 page not found\n"]);
  });

  it("resumes a .part: Range from its size with If-Range, the 206 appended (one file, and the archive from storage)", async () => {
    const { zip, blob } = archive();
    const build = await privateBuild(zip);
    const token = { "PRIVATE-TOKEN": build.token };
    const api = `${s.url}/api/v4/projects/${encodeURIComponent(build.path)}/jobs/${build.job.id}/artifacts`;
    // What an earlier run that was cut off would have left: the first bytes, and the ETag they came with.
    const leave = (name: string, bytes: Uint8Array, validator: string | null, total: number) => {
      writeFileSync(join(s.home, `${name}.part`), bytes);
      writeFileSync(join(s.home, `${name}.part.json`), JSON.stringify({ validator, total }));
    };
    const fileTag = (await fetch(`${api}/dist/blob.bin`, { method: "HEAD", headers: token })).headers.get("etag");
    leave("blob.bin", blob.subarray(0, 250_000), fileTag, blob.length);
    const base = ["download", "--url", s.url, "--token", build.token, "--project", build.path, "--json"];
    const file = await s.cli([...base, "--job-id", String(build.job.id), "--path", "dist/blob.bin"]);
    expect([file.code, json(file.out)]).toEqual([0, { output: "blob.bin", size: blob.length, resumed_from: 250_000 }]);
    expect(read("blob.bin")).toEqual(blob);
    expect(s.seen.at(-1)?.headers).toMatchObject({ range: "bytes=250000-", "if-range": fileTag });
    expect(() => statSync(join(s.home, "blob.bin.part"))).toThrow();

    const presigned = (await fetch(api, { headers: token, redirect: "manual" })).headers.get("location") ?? "";
    const archiveTag = (await fetch(presigned, { method: "HEAD" })).headers.get("etag");
    leave("whole.zip", zip.subarray(0, 300_000), archiveTag, zip.length);
    const whole = await s.cli([...base, "--ref", "main", "--job", "build", "--output", "whole.zip"]);
    expect([whole.code, json(whole.out)]).toEqual([
      0,
      { output: "whole.zip", size: zip.length, resumed_from: 300_000 },
    ]);
    expect(read("whole.zip")).toEqual(zip);
    // The token went to the service, never to storage: the redirect is followed without it.
    expect(s.seen.at(-1)?.headers["private-token"]).toBe(build.token);
  });

  it.each([
    ["the service", "api", "--path"],
    ["storage", "storage", "the archive"],
  ] as const)(
    "a download %s cuts off exits 3, and the same command again finishes the file",
    async (_, where, what) => {
      const { zip, blob } = archive();
      const build = await privateBuild(zip);
      const name = what === "--path" ? "cut.bin" : "cut.zip";
      const args = ["download", "--url", s.url, "--token", build.token, "--project", build.path, "--output", name];
      const ran = [
        ...args,
        "--job-id",
        String(build.job.id),
        "--json",
        ...(what === "--path" ? ["--path", "dist/blob.bin"] : []),
      ];
      await s[where].set({ kind: "reset", afterBytes: 200_000 });
      const cut = await s.cli(ran);
      await s[where].set({ kind: "pass" });
      expect([cut.code, cut.out]).toEqual([3, ""]);
      expect(cut.stderr).toMatch(/^artifact-edge: (download cut off: .*\.part keeps what arrived|connection to http)/);
      // A reset may come before the client read what the kernel held: then there is nothing to resume.
      const kept = statSync(join(s.home, `${name}.part`), { throwIfNoEntry: false })?.size ?? 0;
      const again = await s.cli(ran);
      const expected = what === "--path" ? blob : zip;
      expect([again.code, json(again.out)]).toEqual([0, { output: name, size: expected.length, resumed_from: kept }]);
      expect(read(name)).toEqual(expected);
    },
  );

  it("starts over when the file changed since the .part was written (If-Range no longer matches)", async () => {
    const { zip, blob } = archive();
    const build = await privateBuild(zip);
    writeFileSync(join(s.home, "changed.bin.part"), random(1000));
    writeFileSync(join(s.home, "changed.bin.part.json"), JSON.stringify({ validator: '"stale"', total: blob.length }));
    const ran = await s.cli([
      "download",
      "--url",
      s.url,
      "--token",
      build.token,
      "--project",
      build.path,
      "--job-id",
      String(build.job.id),
      "--path",
      "dist/blob.bin",
      "--output",
      "changed.bin",
      "--json",
    ]);
    expect(ran.code).toBe(0);
    expect(json(ran.out)).toEqual({ output: "changed.bin", size: blob.length, resumed_from: 0 });
    expect(read("changed.bin")).toEqual(blob);
  });

  it("reports a service or storage that fails with exit 3: unreachable, 503", async () => {
    const build = await privateBuild(archive(10).zip);
    const base = ["download", "--token", build.token, "--project", build.path, "--job-id", String(build.job.id)];
    const port = await closedPort();
    const closed = await s.cli([...base, "--url", `http://127.0.0.1:${port}`, "--output", "-"]);
    expect([closed.code, closed.stderr]).toEqual([
      3,
      `artifact-edge: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n`,
    ]);
    await s.storage.set({ kind: "refuse" });
    const file = await s.cli([...base, "--url", s.url, "--path", "dist/index.html", "--output", "-"]);
    await s.storage.set({ kind: "pass" });
    expect([file.code, file.stderr]).toEqual([3, "artifact-edge: 503 Service Unavailable\n"]);
    await s.storage.set({ kind: "http", status: 503 });
    const redirected = await s.cli([...base, "--url", s.url, "--output", "-"]);
    await s.storage.set({ kind: "pass" });
    expect([redirected.code, redirected.stderr]).toEqual([3, "artifact-edge: storage: ServiceUnavailable\n"]);
  });
});

describe("upload", SPAWNING, () => {
  it("with CI_JOB_ID and CI_JOB_TOKEN from `job create`: multipart, as GitLab Runner sends it", async () => {
    const { zip } = archive(2000);
    writeFileSync(join(s.home, "small.zip"), zip);
    const job = await runningJob();
    const ran = await s.cli(["upload", "small.zip", "--expire-in", "1 week"], { env: job.env });
    expect([ran.code, ran.stderr]).toEqual([0, ""]);
    expect(ran.out).toBe(
      `uploaded small.zip (${(zip.length / 1024).toFixed(1)} KiB) to job ${job.jobId}, through the service\n`,
    );
    const sent = s.seen.findLast(
      (r) => r.method === "POST" && r.path.startsWith(`/api/v4/jobs/${job.jobId}/artifacts`),
    );
    expect(sent?.path).toBe(
      `/api/v4/jobs/${job.jobId}/artifacts?artifact_type=archive&artifact_format=zip&expire_in=1+week`,
    );
    expect(sent?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(Number(sent?.headers["content-length"])).toBeGreaterThan(zip.length);

    const done = await s.cli(["job", "update", "--state", "success", "--json"], { env: job.env });
    expect([done.code, json(done.out).status]).toEqual([0, "success"]);
    const back = await s.cli(
      ["download", "--project", job.project, "--ref", "main", "--job", "build", "--output", "back.zip"],
      {
        env: { ARTIFACT_EDGE_URL: s.url },
      },
    );
    expect(back.code).toBe(0);
    expect(read("back.zip")).toEqual(zip);
  });

  it("--direct: authorize, PUT to storage, finalize; --progress draws bytes and rate on stderr", async () => {
    const { zip } = archive(300_000);
    writeFileSync(join(s.home, "direct.zip"), zip);
    const job = await runningJob();
    const ran = await s.cli(["upload", "direct.zip", "--direct", "--progress", "--json"], { env: job.env });
    expect(ran.code).toBe(0);
    expect(json(ran.out)).toMatchObject({
      id: job.jobId,
      artifacts_file: { filename: "artifacts.zip", size: zip.length },
    });
    expect(ran.stderr).toMatch(/^upload .* 100% \| 293\.\d KiB \/ 293\.\d KiB \| .*\/s$/m);
    const mine = s.seen.filter((r) => r.path.startsWith(`/api/v4/jobs/${job.jobId}/artifacts`));
    expect(mine.map((r) => [r.method, r.path, r.headers["content-type"]])).toEqual([
      ["POST", `/api/v4/jobs/${job.jobId}/artifacts/authorize`, "application/json"],
      ["POST", `/api/v4/jobs/${job.jobId}/artifacts`, "application/json"],
    ]);
    const back = await s.cli(["download", "--project", job.project, "--job-id", String(job.jobId), "--output", "-"], {
      env: { ARTIFACT_EDGE_URL: s.url },
    });
    expect(new Uint8Array(back.stdout)).toEqual(zip);
  });

  it("refusals exit 2 with GitLab's message, a missing file or token exits 1", async () => {
    writeFileSync(join(s.home, "not-a.zip"), "just text");
    const job = await runningJob();
    const notZip = await s.cli(["upload", "not-a.zip"], { env: job.env });
    expect([notZip.code, notZip.stderr]).toEqual([2, "artifact-edge: 400 Bad request - File is not a zip archive\n"]);
    const wrong = await s.cli(["upload", "not-a.zip"], { env: { ...job.env, CI_JOB_TOKEN: "glcbt-wrong" } });
    expect([wrong.code, wrong.stderr]).toEqual([2, "artifact-edge: 403 Forbidden\n"]);
    const missing = await s.cli(["upload", "nowhere.zip"], { env: job.env });
    expect([missing.code, missing.stderr]).toEqual([1, "artifact-edge: cannot read nowhere.zip: ENOENT\n"]);
    writeFileSync(join(s.home, "too-big.zip"), archive(MAX_ARTIFACT_SIZE + 1).zip);
    for (const path of ["--no-direct", "--direct"]) {
      const tooBig = await s.cli(["upload", "too-big.zip", path], { env: job.env });
      expect([tooBig.code, tooBig.stderr], path).toEqual([
        2,
        "artifact-edge: file size has reached maximum size limit\n",
      ]);
    }
    const noToken = await s.cli(["upload", "not-a.zip", "--job-id", "1", "--url", s.url]);
    expect([noToken.code, noToken.stderr]).toEqual([
      1,
      "artifact-edge: no job token: pass --job-token or set CI_JOB_TOKEN\n",
    ]);
  });
});
