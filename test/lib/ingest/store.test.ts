import { describe, expect, it } from "vitest";
import { archiveKey } from "../../../lib/ingest/keys";
import { storeArchive } from "../../../lib/ingest/store";
import { KEPT_DIRECTORY } from "../../../lib/zip/inspect";
import { indexedEntries } from "../../helpers/entry-index";
import { harness } from "../../helpers/harness";
import { manyEntriesZip, smallZip } from "../../helpers/zips";

const h = harness();

/** A zip whose central directory's first record has lost its signature: it streams, it cannot be indexed. */
function unindexable(): Uint8Array {
  const zip = smallZip({ "a.txt": "a\n", "b.txt": "b\n" });
  const at = Buffer.from(zip).indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  zip[at + 2] = 0x09;
  return zip;
}

/**
 * The harness's storage, its uploads held once stored until `release()`: storage still finishing
 * an upload (the last part, then completing it) after the last byte has gone.
 */
function slowToFinish(options: { fail?: Error } = {}) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let stored = false;
  const storage = h.wrapStorage({
    upload: async (key, body, type) => {
      await h.storage.upload(key, body, type);
      stored = true;
      await gate;
      if (options.fail) throw options.fail;
    },
  });
  return { storage, release, stored: () => stored };
}

const indexedPaths = async (key: string) => (await indexedEntries(h.db, key)).map((e) => e.path);

async function newKey() {
  const { job } = await h.make.job(await h.make.pipeline(await h.make.project()));
  return archiveKey(job);
}

describe("storeArchive", () => {
  it("writes the index from the kept directory while storage is still finishing the upload", async () => {
    const key = await newKey();
    const slow = slowToFinish();
    const { result: stored, reads } = await h.cost(async () => {
      const storing = storeArchive({ ...h.services, storage: slow.storage }, key, new Blob([smallZip()]).stream());
      await expect.poll(slow.stored).toBe(true);
      // Storage has not finished: the index is in the database already.
      await expect.poll(() => indexedPaths(key)).toEqual(["README.md"]);
      slow.release();
      return storing;
    });
    expect(stored.key).toBe(key);
    expect(reads).toEqual([]);
  });

  it("indexes a directory larger than it keeps once the upload is done, reading it back once", async () => {
    const key = await newKey();
    const slow = slowToFinish();
    // 40,000 names of 200 bytes: a central directory of about 9.8 MB.
    const zip = manyEntriesZip(40_000, { prefix: `${"d".repeat(190)}/` });
    const { result: stored, reads } = await h.cost(async () => {
      const storing = storeArchive({ ...h.services, storage: slow.storage }, key, new Blob([zip]).stream());
      await expect.poll(slow.stored).toBe(true);
      for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await indexedPaths(key)).toEqual([]);
      slow.release();
      return storing;
    });
    expect(stored.summary.centralDirectory.size).toBeGreaterThan(KEPT_DIRECTORY);
    expect(reads).toHaveLength(1);
    expect(await indexedPaths(key)).toHaveLength(40_000);
  });

  it("deletes the index it wrote when storage fails to finish the upload", async () => {
    const key = await newKey();
    const slow = slowToFinish({ fail: new Error("storage refused to complete the upload") });
    const storing = storeArchive({ ...h.services, storage: slow.storage }, key, new Blob([smallZip()]).stream());
    await expect.poll(() => indexedPaths(key)).toEqual(["README.md"]);
    slow.release();
    await expect(storing).rejects.toThrow(/refused to complete/);
    expect(await indexedPaths(key)).toEqual([]);
    expect(await h.exists(key)).toBe(false);
  });

  it("refuses an archive that cannot be indexed, and deletes it only once storage is done with it", async () => {
    const key = await newKey();
    const slow = slowToFinish();
    let settled = false;
    const storing = storeArchive({ ...h.services, storage: slow.storage }, key, new Blob([unindexable()]).stream());
    storing
      .catch(() => {})
      .finally(() => {
        settled = true;
      });
    await expect.poll(slow.stored).toBe(true);
    // The index failed at once; the upload has not finished: nothing is answered or deleted yet.
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(settled).toBe(false);
    expect(await h.exists(key)).toBe(true);
    slow.release();
    await expect(storing).rejects.toThrow(/central directory|signature|not a zip/i);
    expect(await h.exists(key)).toBe(false);
    expect(await indexedPaths(key)).toEqual([]);
  });
});
