import { describe, expect, it } from "vitest";
import { findEntry, listEntries, MAX_ENTRIES } from "../../lib/zip/central-directory";
import { locateCentralDirectory } from "../../lib/zip/eocd";
import { concat } from "../helpers/bytes";
import { check, fc } from "./fuzz";
import { labelled } from "./labels";
import { centralRecordArb, hostileArchiveArb } from "./records";

const safe = (n: number) => Number.isSafeInteger(n) && n >= 0;

describe("zip end records (lib/zip/eocd.ts)", () => {
  it("locateCentralDirectory: any tail either fails as archive_invalid or locates a directory inside the archive", async () => {
    const tail = fc.oneof(fc.uint8Array({ maxLength: 120 }), hostileArchiveArb);
    await check(
      "locateCentralDirectory on any tail",
      30_000,
      fc.property(tail, fc.nat(1 << 20), (bytes, before) => {
        const size = bytes.length + before;
        const found = labelled(() => locateCentralDirectory(bytes, size));
        if (!found) return;
        expect([found.offset, found.size, found.entries, found.end].every(safe)).toBe(true);
        expect(found.offset + found.size).toBeLessThanOrEqual(found.end);
        expect(found.end).toBeLessThanOrEqual(size - 22);
      }),
    );
  });
});

describe("central directory (lib/zip/central-directory.ts)", () => {
  const directory = fc.record({
    records: fc.array(centralRecordArb, { maxLength: 6 }),
    junk: fc.uint8Array({ maxLength: 8 }),
    cut: fc.nat(),
    count: fc.oneof(fc.integer({ min: -2, max: 2 }), fc.constantFrom(0xffff, MAX_ENTRIES + 1)),
    cdOffset: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.nat()),
  });

  it("listEntries and findEntry: labelled errors only, every entry bounded, both agree", async () => {
    await check(
      "listEntries/findEntry on any central directory",
      30_000,
      fc.property(directory, ({ records, junk, cut, count, cdOffset }) => {
        let cd = concat(...records, junk);
        if (cut % 4 === 0) cd = cd.subarray(0, cut % (cd.length + 1));
        const entries = Math.abs(count) <= 2 ? Math.max(0, records.length + count) : count;
        const listed = labelled(() => listEntries(cd, entries, cdOffset));
        if (!listed) return;
        expect(listed).toHaveLength(entries);
        for (const entry of listed) {
          const numbers = [entry.compressedSize, entry.uncompressedSize, entry.localHeaderOffset, entry.end];
          expect(numbers.every(safe), `sizes and offsets are safe integers: ${numbers}`).toBe(true);
          expect(entry.localHeaderOffset + 30 + entry.compressedSize).toBeLessThanOrEqual(entry.end);
          expect(entry.end).toBeLessThanOrEqual(cdOffset);
        }
        for (const entry of listed) {
          const first = listed.find((e) => Buffer.compare(e.name, entry.name) === 0);
          expect(findEntry(cd, entries, cdOffset, entry.name)).toEqual(first);
        }
      }),
    );
  });
});
