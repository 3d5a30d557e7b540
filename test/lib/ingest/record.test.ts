import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { archiveKey } from "../../../lib/ingest/keys";
import { recordArchive } from "../../../lib/ingest/record";
import { storeArchive } from "../../../lib/ingest/store";
import { deletedObjects, jobArtifacts } from "../../../schema";
import { indexedEntries } from "../../helpers/entry-index";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

const h = harness();
const quiet = { error: () => {}, info: () => {} };

describe("recordArchive", () => {
  it("two archives recorded for one job at once: one stays, the other's object and index go", async () => {
    // Jobs without an archive yet: both transactions start finding none.
    const jobs = await Promise.all(
      Array.from({ length: 8 }, async () => (await h.make.job(await h.make.pipeline(await h.make.project()))).job),
    );
    const services = { ...h.services, log: quiet };
    const stored = await Promise.all(
      jobs.map(async (job) =>
        Promise.all(
          ["a", "b"].map((name) =>
            storeArchive(services, archiveKey(job), new Blob([smallZip({ [`${name}.txt`]: name })]).stream()),
          ),
        ),
      ),
    );
    await Promise.all(
      jobs.flatMap((job, i) =>
        (stored[i] ?? []).map((archive) =>
          recordArchive(services, job, { ...archive, accessibility: "public", expireAt: null }),
        ),
      ),
    );
    for (const [i, job] of jobs.entries()) {
      const keys = (stored[i] ?? []).map((a) => a.key);
      const [row] = await h.db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id));
      const kept = row?.storage_key ?? "";
      expect(keys).toContain(kept);
      expect(await h.exists(kept)).toBe(true);
      expect(await indexedEntries(h.db, kept)).toHaveLength(1);
      const other = keys.find((k) => k !== kept) ?? "";
      expect(await h.exists(other)).toBe(false);
      expect(await indexedEntries(h.db, other)).toEqual([]);
      // Nothing left queued either way: the kept one's insurance is taken back, the other is gone.
      expect(await h.db.select().from(deletedObjects).where(inArray(deletedObjects.storage_key, keys))).toEqual([]);
    }
  });
});
