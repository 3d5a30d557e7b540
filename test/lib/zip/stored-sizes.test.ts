import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { listEntries } from "../../../lib/zip/central-directory";
import { locateCentralDirectory } from "../../../lib/zip/eocd";
import { CorruptEntryError } from "../../../lib/zip/errors";
import { openEntry } from "../../../lib/zip/reader";
import { harness, unique } from "../../helpers/harness";

const { storage } = harness();

// Found by `npm run fuzz` (test/fuzz/reader.fuzz.ts): a stored entry whose central record says
// 10 compressed bytes but 1000 uncompressed, read with a range starting past byte 10, left the
// decoder nothing to take and it looped forever (one request, one spinning isolate).
describe("a stored entry whose sizes differ", () => {
  it.each([{ start: 500, end: 600 }, { start: 0, end: 999 }, undefined])(
    "is entry_corrupt before anything is read (range %o)",
    async (range) => {
      const zip = zipSync({ "a.bin": [new Uint8Array(1000).fill(7), { level: 0 }] });
      const location = locateCentralDirectory(zip, zip.length);
      const [listed] = listEntries(zip.subarray(location.offset, location.offset + location.size), 1, location.offset);
      if (!listed) throw new Error("no entry");
      // The index refuses such a record at upload; an entry read from an older archive's own
      // directory (or any caller of openEntry) may still carry it.
      const entry = { ...listed, compressedSize: 10 };
      const key = `zip-tests/${unique("stored")}.zip`;
      await storage.upload(key, new Blob([zip]).stream(), "application/zip");
      // Rejected when opened: a stream would already spin on its first pull.
      await expect(openEntry(storage, { key, size: zip.length }, entry, range)).rejects.toBeInstanceOf(
        CorruptEntryError,
      );
    },
  );
});
