import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { deletedObjects, jobArtifacts } from "../../../schema";
import { harness } from "../../helpers/harness";
import { multipartUpload, smallZip } from "../../helpers/zips";

const h = harness();
const { make, url } = h;

const JOBS = 8;
const ROUNDS = 2;

/**
 * Keep, delete, project-wide expiry, the cleanup and uploads, all at once on the same project's
 * rows: every request answers without a 5xx, and afterwards every archive row still names an
 * object storage holds, and every object a row stopped naming is queued or gone.
 */
describe("retention writes at once on the same rows", () => {
  it(`${JOBS} jobs × ${ROUNDS} rounds of keep, delete, expire, cleanup and upload together: no 5xx, rows and objects agree`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const project = await make.project();
      const made = [];
      for (let i = 0; i < JOBS; i++) {
        // Older pipelines unlocked, as keep_latest_artifact leaves them, so expiry and cleanup have work.
        const pipeline = await make.pipeline(project, { locked: i === JOBS - 1 });
        const { job, token } = await make.job(pipeline, { name: "build" });
        const past = new Date(Date.now() - 60_000);
        made.push({
          job,
          token,
          stored: await make.archive(job, smallZip({ "n.txt": String(job.id) }), { expireAt: past }),
        });
      }

      const requests = made.flatMap(({ job, token }) => [
        h.fetch(url.keepJobArtifacts(project, job), { method: "POST", headers: h.admin }),
        h.fetch(url.uploadJobArtifacts(job), {
          method: "POST",
          headers: { "JOB-TOKEN": token },
          body: multipartUpload(smallZip({ "n.txt": `first ${job.id}` })),
        }),
        h.fetch(url.keepJobArtifacts(project, job), { method: "POST", headers: h.admin }),
        h.fetch(url.jobArtifacts(project, job), { method: "DELETE", headers: h.admin }),
        h.fetch(url.uploadJobArtifacts(job), {
          method: "POST",
          headers: { "JOB-TOKEN": token },
          body: multipartUpload(smallZip({ "n.txt": `again ${job.id}` })),
        }),
        h.fetch(url.projectArtifacts(project), { method: "DELETE", headers: h.admin }),
        h.fetch(url.cleanup(), { method: "POST", headers: h.admin }),
      ]);
      const statuses = (await Promise.all(requests)).map((r) => r.status);
      // Keep and delete answer 404 where a delete or expiry came first; everything else succeeds.
      expect(statuses.filter((s) => ![200, 201, 202, 204, 404].includes(s))).toEqual([]);
      expect(
        statuses.filter((s) => s >= 500),
        `round ${round}`,
      ).toEqual([]);
      expect(h.logs.filter((l) => l.level === "error")).toEqual([]);

      // Every archive row names an object storage holds, and it reads back through the API.
      const rows = await h.db
        .select({ jobId: jobArtifacts.job_id, key: jobArtifacts.storage_key })
        .from(jobArtifacts)
        .where(eq(jobArtifacts.project_id, project.id));
      for (const row of rows) {
        expect(await h.exists(row.key), row.key).toBe(true);
        const res = await h.fetch(url.jobArtifactFile(project, row.jobId, "n.txt"), { headers: h.admin });
        expect(res.status).toBe(200);
      }
      // Every object a row no longer names is queued for deletion or already gone.
      const named = new Set(rows.map((r) => r.key));
      const dropped = made.map((m) => m.stored.key).filter((key) => !named.has(key));
      const queued = dropped.length
        ? await h.db
            .select({ key: deletedObjects.storage_key })
            .from(deletedObjects)
            .where(inArray(deletedObjects.storage_key, dropped))
        : [];
      const queuedKeys = new Set(queued.map((q) => q.key));
      for (const key of dropped) if (!queuedKeys.has(key)) expect(await h.exists(key), key).toBe(false);
    }
  });
});
