import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { archiveKey } from "../../../lib/ingest/keys";
import { storeArchive } from "../../../lib/ingest/store";
import type { Storage } from "../../../lib/platform/storage";
import { runCleanup } from "../../../lib/retention/cleanup";
import { deletedObjects, jobArtifacts, jobs } from "../../../schema";
import { indexedEntries } from "../../helpers/entry-index";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

const h = harness();
const { db, make } = h;

// The cleanups here run on a clock far in the past, so they only ever see what this file made
// (everything else in the shared database expires in the present): their counts are exact.
const PAST = new Date("2001-01-01T00:00:00Z");
const EXPIRED = new Date("2000-06-01T00:00:00Z");
const quiet = { error: () => {}, info: () => {} };
const at = (storageImpl: Storage, now = PAST) => ({ db, storage: storageImpl, log: quiet, now: () => now });

type Kind = "expired-unlocked" | "expired-locked" | "future-unlocked" | "never-unlocked";

/** One job's archive in a pipeline with the given lock and expiry. */
async function artifact(kind: Kind) {
  const project = await make.project({ visibility: "public" });
  const pipeline = await make.pipeline(project, { locked: kind === "expired-locked" });
  const { job } = await make.job(pipeline);
  const expireAt = kind.startsWith("expired")
    ? EXPIRED
    : kind === "future-unlocked"
      ? new Date("2001-06-01T00:00:00Z")
      : null;
  const stored = await make.archive(job, smallZip({ kind }), { expireAt });
  return { kind, job, key: stored.key, size: stored.size };
}

async function world() {
  const kinds: Kind[] = [
    "expired-unlocked",
    "expired-unlocked",
    "expired-unlocked",
    "expired-locked",
    "future-unlocked",
    "never-unlocked",
  ];
  const made = [];
  for (const kind of kinds) made.push(await artifact(kind));
  return made;
}
type World = Awaited<ReturnType<typeof world>>;

const expiredOf = (made: World) => made.filter((a) => a.kind === "expired-unlocked");
const rowOf = async (jobId: number) => (await db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, jobId)))[0];
const queued = (made: World) =>
  db
    .select()
    .from(deletedObjects)
    .where(
      inArray(
        deletedObjects.storage_key,
        made.map((a) => a.key),
      ),
    );
const rowsOf = (made: { job: { id: number } }[]) =>
  db
    .select()
    .from(jobArtifacts)
    .where(
      inArray(
        jobArtifacts.job_id,
        made.map((a) => a.job.id),
      ),
    );

const indexed = async (key: string) => (await indexedEntries(db, key)).length;

/** Every row we made still points at an indexed object; rows of `gone` kinds, their objects and indexes are gone. */
async function assertSettled(made: World) {
  for (const a of made) {
    const row = await rowOf(a.job.id);
    if (a.kind === "expired-unlocked") {
      expect(row, a.kind).toBeUndefined();
      expect(await h.exists(a.key), a.kind).toBe(false);
      expect(await indexed(a.key), a.kind).toBe(0);
    } else {
      expect(row?.storage_key, a.kind).toBe(a.key);
      expect(await h.exists(a.key), a.kind).toBe(true);
      expect(await indexed(a.key), a.kind).toBe(1);
    }
  }
  expect(await queued(made)).toEqual([]);
}

describe("the artifact cleanup", () => {
  it("removes expired artifacts of unlocked pipelines, rows and objects, and nothing else", async () => {
    const made = await world();
    const result = await runCleanup(at(h.storage));
    const expired = expiredOf(made);
    expect(result).toEqual({
      artifacts: expired.length,
      bytes: expired.reduce((sum, a) => sum + a.size, 0),
      objects: expired.length,
    });
    await assertSettled(made);
    const [job] = await db
      .select()
      .from(jobs)
      .where(eq(jobs.id, made[0]?.job.id ?? 0));
    expect(job?.id).toBe(made[0]?.job.id);
  });

  it("survives storage failing half-way through a batch, and the next run finishes the work", async () => {
    const made = await world();
    let calls = 0;
    const failing = h.wrapStorage({
      delete: async (keys) => {
        calls++;
        // Half the objects really go, then the store fails.
        await h.storage.delete(keys.slice(0, Math.ceil(keys.length / 2)));
        throw new Error("storage went away");
      },
    });
    await expect(runCleanup(at(failing))).rejects.toThrow("storage went away");
    expect(calls).toBe(1);
    // Nothing that should stay was touched, and no row points at a deleted object; every index stays
    // until its object's deletion is done with.
    for (const a of made) {
      const row = await rowOf(a.job.id);
      if (row) expect(await h.exists(row.storage_key), a.kind).toBe(true);
      expect(await indexed(a.key), a.kind).toBe(1);
      if (a.kind !== "expired-unlocked") expect(row?.storage_key, a.kind).toBe(a.key);
    }
    // What was to go is remembered, whatever storage managed to do.
    const remembered = await queued(made);
    expect(remembered.map((r) => r.storage_key).sort()).toEqual(
      expiredOf(made)
        .map((a) => a.key)
        .sort(),
    );
    expect(await runCleanup(at(h.storage))).toEqual({ artifacts: 0, bytes: 0, objects: expiredOf(made).length });
    await assertSettled(made);
  });

  it("lets two runs at once share the work without deleting twice or failing", async () => {
    const made = await world();
    const [a, b] = await Promise.all([runCleanup(at(h.storage)), runCleanup(at(h.storage))]);
    const mine = expiredOf(made).length;
    expect((a?.artifacts ?? 0) + (b?.artifacts ?? 0)).toBe(mine);
    expect((a?.objects ?? 0) + (b?.objects ?? 0)).toBe(mine);
    await assertSettled(made);
  });

  it("bounds each run to its batches; the next run goes on", async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await artifact("expired-unlocked"));
    const first = await runCleanup(at(h.storage), { batchSize: 2, maxBatches: 1 });
    expect(first.artifacts).toBe(2);
    expect(first.objects).toBe(2);
    expect(await rowsOf(made)).toHaveLength(3);
    for (let i = 0; i < 3; i++) await runCleanup(at(h.storage), { batchSize: 2, maxBatches: 1 });
    expect(await rowsOf(made)).toEqual([]);
  });

  it("removes the object of an upload that never got recorded, once its insurance runs out", async () => {
    const project = await make.project();
    const { job } = await make.job(await make.pipeline(project));
    const key = archiveKey(job);
    // An upload at EXPIRED that crashed before it was recorded.
    await storeArchive({ db, storage: h.storage, now: () => EXPIRED }, key, new Blob([smallZip()]).stream());
    expect(await h.exists(key)).toBe(true);
    await runCleanup(at(h.storage, new Date(EXPIRED.getTime() + 3600_000)));
    expect(await h.exists(key)).toBe(true);
    expect(await indexed(key)).toBe(1);
    await runCleanup(at(h.storage));
    expect(await h.exists(key)).toBe(false);
    expect(await indexed(key)).toBe(0);
  });
});
