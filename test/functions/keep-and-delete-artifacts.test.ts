import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS, deletedObjects, jobArtifacts, jobs, pipelines } from "../../schema";
import { factories } from "../helpers/factories";
import { body, harness } from "../helpers/harness";
import { smallZip } from "../helpers/zips";

const { fetch, db, storage } = harness();
const make = factories(db, storage);
const as = (token: string) => ({ "PRIVATE-TOKEN": token });

async function jobWithArchive(options: { visibility?: "public" | "private"; expireAt?: Date | null } = {}) {
  const project = await make.project({ visibility: options.visibility ?? "private" });
  const pipeline = await make.pipeline(project);
  const { job, token } = await make.job(pipeline);
  const expireAt = options.expireAt === undefined ? new Date(Date.now() + 86_400_000) : options.expireAt;
  const stored = await make.archive(job, smallZip(), { expireAt });
  await db.update(jobs).set({ artifacts_expire_at: expireAt }).where(eq(jobs.id, job.id));
  return { project, pipeline, job, jobToken: token, stored };
}

const lockOf = async (id: number) => (await db.select().from(pipelines).where(eq(pipelines.id, id)))[0]?.locked;
const exists = async (key: string) => (await storage.head(key)) !== null;

describe("POST /api/v4/projects/:id/jobs/:job_id/artifacts/keep", () => {
  it("clears the job's and its artifacts' expiry and answers the job entity", async () => {
    const { project, job } = await jobWithArchive();
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    const res = await fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts/keep`, {
      method: "POST",
      headers: as(developer.token),
    });
    expect(res.status).toBe(200);
    const entity = await body<Record<string, unknown>>(res);
    expect(entity).toMatchObject({
      id: job.id,
      artifacts_expire_at: null,
      artifacts_file: { filename: "artifacts.zip" },
    });
    expect(entity.project).toEqual({ ci_job_token_scope_enabled: false });
    expect(entity).not.toHaveProperty("failure_reason");
    expect(Object.keys(entity).slice(0, 6)).toEqual(["id", "status", "stage", "name", "ref", "tag"]);
    const [row] = await db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id));
    expect(row?.expire_at).toBeNull();
  });

  it("is 404 when the artifacts already expired or there are none", async () => {
    const expired = await jobWithArchive({ expireAt: new Date(Date.now() - 1000) });
    const admin = as(await make.pat(await make.user({ admin: true })));
    const res = await fetch(`/api/v4/projects/${expired.project.id}/jobs/${expired.job.id}/artifacts/keep`, {
      method: "POST",
      headers: admin,
    });
    expect(res.status).toBe(404);
    const project = await make.project();
    const { job } = await make.job(await make.pipeline(project));
    expect(
      (await fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts/keep`, { method: "POST", headers: admin }))
        .status,
    ).toBe(404);
  });

  it("is 401 anonymous and with a job token, 403 for a Reporter and for read_api, 404 for a stranger", async () => {
    const { project, job, jobToken } = await jobWithArchive();
    const url = `/api/v4/projects/${project.id}/jobs/${job.id}/artifacts/keep`;
    expect((await fetch(url, { method: "POST" })).status).toBe(401);
    expect((await fetch(url, { method: "POST", headers: { "JOB-TOKEN": jobToken } })).status).toBe(401);
    const reporter = await make.memberWithToken(project, ACCESS_LEVELS.reporter);
    expect((await fetch(url, { method: "POST", headers: as(reporter.token) })).status).toBe(403);
    const reader = await make.memberWithToken(project, ACCESS_LEVELS.maintainer, ["read_api"]);
    const scoped = await fetch(url, { method: "POST", headers: as(reader.token) });
    expect(scoped.status).toBe(403);
    expect((await body(scoped)).error).toBe("insufficient_scope");
    const stranger = await make.pat(await make.user());
    const hidden = await fetch(url, { method: "POST", headers: as(stranger) });
    expect(hidden.status).toBe(404);
    expect(await body(hidden)).toEqual({ message: "404 Project Not Found" });
  });
});

describe("DELETE /api/v4/projects/:id/jobs/:job_id/artifacts", () => {
  it("deletes the job's artifact rows and objects, even from a locked pipeline, and answers 204", async () => {
    const { project, job, stored } = await jobWithArchive();
    const maintainer = await make.memberWithToken(project, ACCESS_LEVELS.maintainer);
    const res = await fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts`, {
      method: "DELETE",
      headers: as(maintainer.token),
    });
    expect(res.status).toBe(204);
    expect(await db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id))).toEqual([]);
    expect(await exists(stored.key)).toBe(false);
    expect(await db.select().from(deletedObjects).where(eq(deletedObjects.storage_key, stored.key))).toEqual([]);
    const [row] = await db.select().from(jobs).where(eq(jobs.id, job.id));
    expect(row?.id).toBe(job.id);
  });

  it("answers 204 when there is nothing to delete", async () => {
    const project = await make.project();
    const { job } = await make.job(await make.pipeline(project));
    const admin = as(await make.pat(await make.user({ admin: true })));
    expect(
      (await fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts`, { method: "DELETE", headers: admin }))
        .status,
    ).toBe(204);
  });

  it("needs Maintainer: a Developer gets 403 and the archive stays", async () => {
    const { project, job, stored } = await jobWithArchive();
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    const res = await fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts`, {
      method: "DELETE",
      headers: as(developer.token),
    });
    expect(res.status).toBe(403);
    expect(await exists(stored.key)).toBe(true);
  });

  it("is 404 Not found for a job of another project", async () => {
    const { job } = await jobWithArchive();
    const other = await make.project();
    const admin = as(await make.pat(await make.user({ admin: true })));
    const res = await fetch(`/api/v4/projects/${other.id}/jobs/${job.id}/artifacts`, {
      method: "DELETE",
      headers: admin,
    });
    expect(res.status).toBe(404);
    expect(await body(res)).toEqual({ message: "404 Not found" });
  });
});

describe("DELETE /api/v4/projects/:id/artifacts", () => {
  it("answers 202 and expires the artifacts of unlocked pipelines only; downloads still work until the cleanup", async () => {
    const project = await make.project({ visibility: "public" });
    const admin = as(await make.pat(await make.user({ admin: true })));
    const succeed = (job: { job: { id: number }; token: string }) =>
      fetch(`/api/v4/jobs/${job.job.id}`, {
        method: "PUT",
        headers: { "JOB-TOKEN": job.token, "content-type": "application/json" },
        body: JSON.stringify({ state: "success" }),
      });
    const old = await make.pipeline(project, { ref: "main" });
    const oldJob = await make.job(old);
    await make.archive(oldJob.job, smallZip());
    expect((await succeed(oldJob)).status).toBe(200);
    const latest = await make.pipeline(project, { ref: "main" });
    const latestJob = await make.job(latest);
    await make.archive(latestJob.job, smallZip());
    expect(await lockOf(old.id)).toBe("artifacts_locked");
    // The newer pipeline succeeding unlocks the older one (keep latest artifacts is on).
    expect((await succeed(latestJob)).status).toBe(200);
    expect(await lockOf(old.id)).toBe("unlocked");
    expect(await lockOf(latest.id)).toBe("artifacts_locked");

    const res = await fetch(`/api/v4/projects/${project.id}/artifacts`, { method: "DELETE", headers: admin });
    expect(res.status).toBe(202);
    expect(await body(res)).toEqual({ message: "202 Accepted" });
    const [oldRow] = await db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, oldJob.job.id));
    const [latestRow] = await db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, latestJob.job.id));
    expect(oldRow?.expire_at?.getTime()).toBeLessThanOrEqual(Date.now());
    expect(latestRow?.expire_at).toBeNull();
    expect((await fetch(`/api/v4/projects/${project.id}/jobs/${oldJob.job.id}/artifacts`)).status).toBe(302);
  });

  it("needs Maintainer and api scope", async () => {
    const project = await make.project();
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    expect(
      (await fetch(`/api/v4/projects/${project.id}/artifacts`, { method: "DELETE", headers: as(developer.token) }))
        .status,
    ).toBe(403);
    expect((await fetch(`/api/v4/projects/${project.id}/artifacts`, { method: "DELETE" })).status).toBe(401);
  });
});

describe("POST /api/v4/admin/artifacts/cleanup", () => {
  it("runs one pass for an admin and answers what it removed", async () => {
    const project = await make.project({ keep_latest_artifact: false });
    const { job } = await make.job(await make.pipeline(project));
    const stored = await make.archive(job, smallZip(), { expireAt: new Date(Date.now() - 1000) });
    const admin = as(await make.pat(await make.user({ admin: true })));
    const res = await fetch("/api/v4/admin/artifacts/cleanup", { method: "POST", headers: admin });
    expect(res.status).toBe(200);
    const result = await body<{ artifacts: number; bytes: number; objects: number }>(res);
    expect(result.artifacts).toBeGreaterThanOrEqual(1);
    expect(result.bytes).toBeGreaterThanOrEqual(stored.size);
    expect(result.objects).toBeGreaterThanOrEqual(1);
    expect(await exists(stored.key)).toBe(false);
    expect(await db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id))).toEqual([]);
  });

  it("is for admins only", async () => {
    const maintainer = as(await make.pat(await make.user()));
    expect((await fetch("/api/v4/admin/artifacts/cleanup", { method: "POST", headers: maintainer })).status).toBe(403);
    expect((await fetch("/api/v4/admin/artifacts/cleanup", { method: "POST" })).status).toBe(401);
  });
});
