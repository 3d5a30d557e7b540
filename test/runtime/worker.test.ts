import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_TOKEN_LIFETIME_SECONDS } from "../../lib/auth/rules";
import { type LocalWorker, startLocalWorker } from "../../lib/local/worker";
import { jobArtifacts, jobs, pipelines } from "../../schema";
import { ADMIN_TOKEN, harness, settings, unique } from "../helpers/harness";
import { smallZip } from "../helpers/zips";

const run = promisify(execFile);
const { db, storage, exists, make } = harness();
let worker: LocalWorker;
const dir = mkdtempSync(join(tmpdir(), "artifact-edge-runtime-"));

beforeAll(async () => {
  worker = await startLocalWorker({ settings: settings(), logLevel: "error" });
}, 120_000);
afterAll(() => worker?.dispose());

/** The real curl binary against the Worker in workerd; returns status and body. */
async function curl(path: string, args: string[] = []): Promise<{ status: number; body: string }> {
  const url = new URL(path, worker.url).toString();
  const { stdout } = await run("curl", ["--silent", "--show-error", "--write-out", "\n%{http_code}", ...args, url]);
  const cut = stdout.lastIndexOf("\n");
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}

const asAdmin = ["--header", `PRIVATE-TOKEN: ${ADMIN_TOKEN}`];
const jsonBody = (value: unknown) => ["--header", "content-type: application/json", "--data", JSON.stringify(value)];

/** A project, a pipeline on main and a running job, made with curl through the admin API. */
async function runningJob(name: string, project: Record<string, unknown> = {}) {
  const created = await curl("/api/v4/projects", [
    ...asAdmin,
    ...jsonBody({ path: unique(name), namespace: "rt", ...project }),
  ]);
  expect(created.status).toBe(201);
  const { id: projectId } = JSON.parse(created.body) as { id: number };
  const pipeline = await curl(`/api/v4/projects/${projectId}/pipelines`, [...asAdmin, ...jsonBody({ ref: "main" })]);
  expect(pipeline.status).toBe(201);
  const { id: pipelineId } = JSON.parse(pipeline.body) as { id: number };
  const job = await curl(`/api/v4/projects/${projectId}/pipelines/${pipelineId}/jobs`, [
    ...asAdmin,
    ...jsonBody({ name }),
  ]);
  expect(job.status).toBe(201);
  const { id, token } = JSON.parse(job.body) as { id: number; token: string };
  return { projectId, pipelineId, id, token };
}

describe("the bundled Worker in workerd", () => {
  it("runs the admin and runner API end to end with curl: project, pipeline, job, upload, finish", async () => {
    const { pipelineId, id: jobId, token } = await runningJob("build");

    const zip = smallZip({ "dist/app.js": "console.log(1)\n" });
    const file = join(dir, "artifacts.zip");
    writeFileSync(file, zip);
    const upload = await curl(`/api/v4/jobs/${jobId}/artifacts?expire_in=1%20day`, [
      "--header",
      `JOB-TOKEN: ${token}`,
      "--form",
      `file=@${file}`,
    ]);
    expect(upload.status).toBe(201);
    expect(JSON.parse(upload.body).artifacts_file).toEqual({ filename: "artifacts.zip", size: zip.length });

    const done = await curl(`/api/v4/jobs/${jobId}`, [
      "--request",
      "PUT",
      "--header",
      `JOB-TOKEN: ${token}`,
      ...jsonBody({ state: "success" }),
    ]);
    expect(done.status).toBe(200);

    const [row] = await db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, jobId));
    expect(row?.size).toBe(zip.length);
    const stored = await storage.read(row?.storage_key ?? "");
    expect(stored && new Uint8Array(await new Response(stored).arrayBuffer())).toEqual(zip);
    const [finished] = await db.select().from(pipelines).where(eq(pipelines.id, pipelineId));
    expect(finished?.status).toBe("success");
  });

  it("finalizes a direct upload, and maps a missing object to 400, not 500 (S3 XML errors parse in workerd)", async () => {
    const job = await runningJob("direct");
    const auth = ["--header", `JOB-TOKEN: ${job.token}`];

    const zip = smallZip({ "big.txt": "x".repeat(10_000) });
    const authorize = `/api/v4/jobs/${job.id}/artifacts/authorize?filesize=${zip.length}`;
    const grant = await curl(authorize, ["--request", "POST", ...auth]);
    expect(grant.status).toBe(200);
    const { upload_url, upload_key } = JSON.parse(grant.body) as { upload_url: string; upload_key: string };

    // Nothing uploaded yet: storage answers 404 NoSuchKey, which must come through as such.
    const early = await curl(`/api/v4/jobs/${job.id}/artifacts`, [...auth, ...jsonBody({ upload_key })]);
    expect(early).toEqual({ status: 400, body: '{"error":"upload_key is invalid"}' });

    const file = join(dir, "direct.zip");
    writeFileSync(file, zip);
    const type = "Content-Type: application/zip";
    const put = await run("curl", ["--silent", "--fail", "--header", type, "--upload-file", file, upload_url]);
    expect(put.stderr).toBe("");
    const finalized = await curl(`/api/v4/jobs/${job.id}/artifacts`, [...auth, ...jsonBody({ upload_key })]);
    expect(finalized.status).toBe(201);
    const [row] = await db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id));
    // Finalize recorded a copy under a key of its own, which no presigned PUT can reach.
    expect(row?.storage_key).toMatch(/^artifacts\//);
    expect(row?.size).toBe(zip.length);
  });

  it("answers GitLab's catch-all 404 and security headers", async () => {
    const res = await fetch(new URL("/api/v4/nothing/here", worker.url));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "404 Not Found" });
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  });

  it("builds and serves its OpenAPI document and reference page in workerd", async () => {
    const res = await fetch(new URL("/api/v4/openapi.json", worker.url));
    expect(res.status).toBe(200);
    const document = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths)).toContain("/api/v4/projects/{id}/jobs/{job_id}/artifacts");
    const page = await fetch(new URL("/api/v4/docs", worker.url));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("GET /api/v4/projects/{id}/jobs/{job_id}/artifacts");
  });
});

describe("a Worker with a broken configuration", () => {
  it("answers 500 and names nothing secret", async () => {
    const broken = await startLocalWorker({ settings: { ...settings(), ADMIN_TOKEN: "short" }, logLevel: "none" });
    try {
      const res = await fetch(new URL("/api/v4/users", broken.url), { method: "POST" });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ message: "500 Internal Server Error" });
    } finally {
      await broken.dispose();
    }
  }, 60_000);
});

describe("the Worker's scheduled handler", () => {
  it("runs the artifact cleanup from the Cron Trigger", async () => {
    const job = await runningJob("cron", { keep_latest_artifact: false });
    const file = join(dir, "cron.zip");
    writeFileSync(file, smallZip());
    // Expires after one second.
    const upload = await curl(`/api/v4/jobs/${job.id}/artifacts?expire_in=1`, [
      "--header",
      `JOB-TOKEN: ${job.token}`,
      "--form",
      `file=@${file}`,
    ]);
    expect(upload.status).toBe(201);
    const [row] = await db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id));
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const trigger = await fetch(new URL("/__scheduled?cron=*/7+*+*+*+*", worker.url));
    expect(trigger.status).toBe(200);
    await expect
      .poll(async () => (await db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id))).length, {
        timeout: 10_000,
      })
      .toBe(0);
    expect(await exists(row?.storage_key ?? "")).toBe(false);
  });

  it("fails jobs left running past their timeout from the Cron Trigger", async () => {
    const pipeline = await make.pipeline(await make.project());
    const startedAt = new Date(Date.now() - (JOB_TOKEN_LIFETIME_SECONDS + 60) * 1000);
    const { job } = await make.job(pipeline, { startedAt });
    const trigger = await fetch(new URL("/__scheduled?cron=*/7+*+*+*+*", worker.url));
    expect(trigger.status).toBe(200);
    await expect
      .poll(async () => (await db.select().from(jobs).where(eq(jobs.id, job.id)))[0]?.status, { timeout: 10_000 })
      .toBe("failed");
  });
});
