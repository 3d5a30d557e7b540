import { describe, expect, it } from "vitest";
import { findEntry, listEntries } from "../../../lib/zip/central-directory";
import { NotAZipError, zipFailure } from "../../../lib/zip/errors";

/** One central-directory record with every 32-bit size saturated and `extra` as its extra field. */
function saturatedRecord(extra: Uint8Array): Uint8Array {
  const record = new Uint8Array(46 + 1 + extra.length);
  const view = new DataView(record.buffer);
  view.setUint32(0, 0x02014b50, true);
  view.setUint32(20, 0xffffffff, true);
  view.setUint32(24, 0xffffffff, true);
  view.setUint32(42, 0xffffffff, true);
  view.setUint16(28, 1, true);
  view.setUint16(30, extra.length, true);
  record[46] = 0x61; // "a"
  record.set(extra, 47);
  return record;
}

function zip64Extra(declaredSize: number, values: bigint[]): Uint8Array {
  const extra = new Uint8Array(4 + values.length * 8);
  const view = new DataView(extra.buffer);
  view.setUint16(0, 1, true);
  view.setUint16(2, declaredSize, true);
  values.forEach((v, i) => {
    view.setBigUint64(4 + i * 8, v, true);
  });
  return extra;
}

function failure(read: () => unknown): unknown {
  try {
    read();
  } catch (error) {
    return error;
  }
  return undefined;
}

// Found by `npm run fuzz` (test/fuzz/zip-structure.fuzz.ts).
describe("ZIP64 extra fields of a central-directory record", () => {
  it("a field declaring more bytes than the record holds is archive_invalid, not a RangeError", () => {
    // Declares 100 bytes, carries none, and the record is the directory's last.
    const cd = saturatedRecord(zip64Extra(100, []));
    for (const read of [() => listEntries(cd, 1, 1000), () => findEntry(cd, 1, 1000, Uint8Array.of(0x61))]) {
      const error = failure(read);
      expect(error).toBeInstanceOf(NotAZipError);
      expect(zipFailure(error)).toBe("archive_invalid");
    }
  });

  it("a size beyond 2^53 - 1 is archive_invalid, not an inexact number", () => {
    const cd = saturatedRecord(zip64Extra(24, [2n ** 64n - 1n, 0n, 0n]));
    for (const read of [() => listEntries(cd, 1, 1000), () => findEntry(cd, 1, 1000, Uint8Array.of(0x61))]) {
      expect(zipFailure(failure(read))).toBe("archive_invalid");
    }
  });
});
