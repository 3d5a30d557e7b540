import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS, deletedObjects, jobArtifacts, jobs } from "../../../schema";
import { indexedEntries } from "../../helpers/entry-index";
import { harness } from "../../helpers/harness";

const h = harness();
const { db, make, url } = h;
const remove = (project: { id: number }, job: { id: number }, headers: Record<string, string>) =>
  h.fetch(url.jobArtifacts(project, job), { method: "DELETE", headers });
const tomorrow = () => new Date(Date.now() + 86_400_000);

describe("DELETE /api/v4/projects/:id/jobs/:job_id/artifacts", () => {
  it("deletes the job's artifact rows and objects, even from a locked pipeline, and answers 204", async () => {
    const { project, job, stored } = await make.jobWithArchive(undefined, {
      pipeline: { locked: true },
      archive: { expireAt: tomorrow() },
    });
    const maintainer = await make.memberWithToken(project, ACCESS_LEVELS.maintainer);
    const res = await remove(project, job, h.as(maintainer.token));
    expect(res.status).toBe(204);
    expect(await db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id))).toEqual([]);
    expect(await h.exists(stored.key)).toBe(false);
    expect(await indexedEntries(db, stored.key)).toEqual([]);
    expect(await db.select().from(deletedObjects).where(eq(deletedObjects.storage_key, stored.key))).toEqual([]);
    const [row] = await db.select().from(jobs).where(eq(jobs.id, job.id));
    expect(row?.id).toBe(job.id);
  });

  it("answers 204 when there is nothing to delete", async () => {
    const project = await make.project();
    const { job } = await make.job(await make.pipeline(project));
    const admin = h.as(await make.pat(await make.user({ admin: true })));
    expect((await remove(project, job, admin)).status).toBe(204);
  });

  it("needs Maintainer: a Developer gets 403 and the archive stays", async () => {
    const { project, job, stored } = await make.jobWithArchive(undefined, { archive: { expireAt: tomorrow() } });
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    expect((await remove(project, job, h.as(developer.token))).status).toBe(403);
    expect(await h.exists(stored.key)).toBe(true);
  });

  it("is 404 Not found for a job of another project", async () => {
    const { job } = await make.jobWithArchive(undefined, { archive: { expireAt: tomorrow() } });
    const other = await make.project();
    const admin = h.as(await make.pat(await make.user({ admin: true })));
    const res = await remove(other, job, admin);
    expect(res.status).toBe(404);
    expect(await h.json(res)).toEqual({ message: "404 Not found" });
  });
});
