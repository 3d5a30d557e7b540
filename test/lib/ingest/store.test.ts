import { describe, expect, it } from "vitest";
import { archiveKey } from "../../../lib/ingest/keys";
import { storeArchive } from "../../../lib/ingest/store";
import { KEPT_DIRECTORY } from "../../../lib/zip/inspect";
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
function slowToFinish() {
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
    },
  });
  return { storage, release, stored: () => stored };
}

async function newKey() {
  const { job } = await h.make.job(await h.make.pipeline(await h.make.project()));
  return archiveKey(job);
}

describe("storeArchive", () => {
  it("builds the index from the kept directory while storage finishes the upload", async () => {
    const key = await newKey();
    const slow = slowToFinish();
    const { result: stored, reads } = await h.cost(async () => {
      const storing = storeArchive({ ...h.services, storage: slow.storage }, key, new Blob([smallZip()]).stream());
      await expect.poll(slow.stored).toBe(true);
      slow.release();
      return storing;
    });
    expect(stored.groups?.map((g) => JSON.parse(g.json))).toEqual([{ "README.md": expect.any(Array) }]);
    expect(reads).toEqual([]);
  });

  it("leaves the index of a directory larger than it keeps to the record, after the upload", async () => {
    const key = await newKey();
    // 40,000 names of 200 bytes: a central directory of about 9.8 MB.
    const zip = manyEntriesZip(40_000, { prefix: `${"d".repeat(190)}/` });
    const stored = await storeArchive(h.services, key, new Blob([zip]).stream());
    expect(stored.summary.centralDirectory.size).toBeGreaterThan(KEPT_DIRECTORY);
    expect(stored.groups).toBeUndefined();
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
  });
});
