import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { archiveKey } from "../../../lib/ingest/keys";
import { storeArchive } from "../../../lib/ingest/store";
import type { Storage } from "../../../lib/platform/storage";
import { runCleanup } from "../../../lib/retention/cleanup";
import { deletedObjects, jobArtifacts, jobs, pipelines } from "../../../schema";
import { factories } from "../../helpers/factories";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

const { db, storage } = harness();
const make = factories(db, storage);

// The cleanups here run on a clock far in the past, so they only ever see what this file made
// (everything else in the shared database expires in the present).
const PAST = new Date("2001-01-01T00:00:00Z");
const EXPIRED = new Date("2000-06-01T00:00:00Z");
const quiet = { error: () => {}, info: () => {} };
const at = (storageImpl: Storage, now = PAST) => ({ db, storage: storageImpl, log: quiet, now: () => now });

type Kind = "expired-unlocked" | "expired-locked" | "future-unlocked" | "never-unlocked";

/** One job's archive in a pipeline with the given lock and expiry. */
async function artifact(kind: Kind) {
  const project = await make.project({ visibility: "public" });
  const pipeline = await make.pipeline(project);
  const locked = kind === "expired-locked" ? "artifacts_locked" : "unlocked";
  await db.update(pipelines).set({ locked }).where(eq(pipelines.id, pipeline.id));
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

const objectExists = async (key: string) => (await storage.head(key)) !== null;
const rowOf = async (jobId: number) => (await db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, jobId)))[0];

/** Every row we made still points at an object; rows of `gone` kinds and their objects are gone. */
async function assertSettled(made: Awaited<ReturnType<typeof world>>) {
  for (const a of made) {
    const row = await rowOf(a.job.id);
    if (a.kind === "expired-unlocked") {
      expect(row, a.kind).toBeUndefined();
      expect(await objectExists(a.key), a.kind).toBe(false);
    } else {
      expect(row?.storage_key, a.kind).toBe(a.key);
      expect(await objectExists(a.key), a.kind).toBe(true);
    }
  }
  const pending = await db
    .select()
    .from(deletedObjects)
    .where(
      inArray(
        deletedObjects.storage_key,
        made.map((a) => a.key),
      ),
    );
  expect(pending).toEqual([]);
}

describe("the artifact cleanup", () => {
  it("removes expired artifacts of unlocked pipelines, rows and objects, and nothing else", async () => {
    const made = await world();
    const result = await runCleanup(at(storage));
    const expired = made.filter((a) => a.kind === "expired-unlocked");
    expect(result.artifacts).toBeGreaterThanOrEqual(expired.length);
    expect(result.bytes).toBeGreaterThanOrEqual(expired.reduce((sum, a) => sum + a.size, 0));
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
    const failing: Storage = {
      presignGet: (k, o) => storage.presignGet(k, o),
      presignPut: (k, o) => storage.presignPut(k, o),
      upload: (k, b, t) => storage.upload(k, b, t),
      head: (k) => storage.head(k),
      read: (k, r) => storage.read(k, r),
      delete: async (keys) => {
        calls++;
        // Half the objects really go, then the store fails.
        await storage.delete(keys.slice(0, Math.ceil(keys.length / 2)));
        throw new Error("storage went away");
      },
    };
    await expect(runCleanup(at(failing))).rejects.toThrow("storage went away");
    expect(calls).toBe(1);
    // Nothing that should stay was touched, and no row points at a deleted object.
    for (const a of made) {
      const row = await rowOf(a.job.id);
      if (row) expect(await objectExists(row.storage_key), a.kind).toBe(true);
      if (a.kind !== "expired-unlocked") expect(row?.storage_key, a.kind).toBe(a.key);
    }
    // What was to go is remembered, whatever storage managed to do.
    const remembered = await db
      .select()
      .from(deletedObjects)
      .where(
        inArray(
          deletedObjects.storage_key,
          made.map((a) => a.key),
        ),
      );
    expect(remembered.map((r) => r.storage_key).sort()).toEqual(
      made
        .filter((a) => a.kind === "expired-unlocked")
        .map((a) => a.key)
        .sort(),
    );
    await runCleanup(at(storage));
    await assertSettled(made);
  });

  it("lets two runs at once share the work without deleting twice or failing", async () => {
    const made = await world();
    const [a, b] = await Promise.all([runCleanup(at(storage)), runCleanup(at(storage))]);
    const mine = made.filter((x) => x.kind === "expired-unlocked").length;
    expect((a?.artifacts ?? 0) + (b?.artifacts ?? 0)).toBeGreaterThanOrEqual(mine);
    await assertSettled(made);
  });

  it("bounds each run to its batches; the next run goes on", async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await artifact("expired-unlocked"));
    const first = await runCleanup(at(storage), { batchSize: 2, maxBatches: 1 });
    expect(first.artifacts).toBe(2);
    expect(first.objects).toBe(2);
    const left = await db
      .select()
      .from(jobArtifacts)
      .where(
        inArray(
          jobArtifacts.job_id,
          made.map((a) => a.job.id),
        ),
      );
    expect(left).toHaveLength(3);
    for (let i = 0; i < 3; i++) await runCleanup(at(storage), { batchSize: 2, maxBatches: 1 });
    expect(
      await db
        .select()
        .from(jobArtifacts)
        .where(
          inArray(
            jobArtifacts.job_id,
            made.map((a) => a.job.id),
          ),
        ),
    ).toEqual([]);
  });

  it("removes the object of an upload that never got recorded, once its insurance runs out", async () => {
    const project = await make.project();
    const { job } = await make.job(await make.pipeline(project));
    const key = archiveKey(job);
    // An upload at EXPIRED that crashed before it was recorded.
    await storeArchive({ db, storage, now: () => EXPIRED }, key, new Blob([smallZip()]).stream());
    expect(await objectExists(key)).toBe(true);
    await runCleanup(at(storage, new Date(EXPIRED.getTime() + 3600_000)));
    expect(await objectExists(key)).toBe(true);
    await runCleanup(at(storage));
    expect(await objectExists(key)).toBe(false);
  });
});
