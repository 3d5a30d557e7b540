import { NotAZipError, u64 } from "./eocd";
import { ZipLimitError } from "./errors";

/** Most entries we walk in one central directory (GitLab's metadata tool stops near here too). */
export const MAX_ENTRIES = 1_000_000;

const CD_SIG = 0x02014b50;
const CD_FIXED = 46;
const ZIP64_EXTRA = 0x0001;
const U32_MAX = 0xffffffff;

export interface ZipEntry {
  readonly name: Uint8Array;
  readonly method: number;
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
  /** Where the next entry's local header (or the central directory) starts: this entry's bound. */
  readonly end: number;
  /** Length of the central record's extra field; the local one is usually close to it. */
  readonly extraLength: number;
}

interface Sizes {
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

function zip64Sizes(view: DataView, at: number, length: number, sizes: Sizes): Sizes {
  const out = { ...sizes };
  for (let p = at; p + 4 <= at + length; ) {
    const id = view.getUint16(p, true);
    const size = view.getUint16(p + 2, true);
    if (id === ZIP64_EXTRA) {
      // Only the fields whose 32-bit value is saturated are present, in this order.
      let q = p + 4;
      const take = () => {
        if (q + 8 > p + 4 + size || q + 8 > at + length) throw new NotAZipError("short ZIP64 extra field");
        const value = u64(view, q);
        q += 8;
        return value;
      };
      if (sizes.uncompressedSize === U32_MAX) out.uncompressedSize = take();
      if (sizes.compressedSize === U32_MAX) out.compressedSize = take();
      if (sizes.localHeaderOffset === U32_MAX) out.localHeaderOffset = take();
      return out;
    }
    p += 4 + size;
  }
  return out;
}

function sameBytes(view: Uint8Array, at: number, name: Uint8Array): boolean {
  for (let i = 0; i < name.length; i++) if (view[at + i] !== name[i]) return false;
  return true;
}

interface CentralRecord extends Sizes {
  readonly nameAt: number;
  readonly nameLength: number;
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  readonly extraLength: number;
}

/** Walks the central directory's records, checking each one's bounds. */
function* records(cd: Uint8Array, entries: number): Generator<CentralRecord> {
  if (entries > MAX_ENTRIES) throw new ZipLimitError(`archive has ${entries} entries`);
  const view = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  let p = 0;
  for (let i = 0; i < entries; i++) {
    if (p + CD_FIXED > cd.length || view.getUint32(p, true) !== CD_SIG) {
      throw new NotAZipError("central directory record is damaged");
    }
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const next = p + CD_FIXED + nameLength + extraLength + commentLength;
    if (next > cd.length) throw new NotAZipError("central directory record overruns");
    let sizes: Sizes = {
      compressedSize: view.getUint32(p + 20, true),
      uncompressedSize: view.getUint32(p + 24, true),
      localHeaderOffset: view.getUint32(p + 42, true),
    };
    if (sizes.compressedSize === U32_MAX || sizes.uncompressedSize === U32_MAX || sizes.localHeaderOffset === U32_MAX) {
      sizes = zip64Sizes(view, p + CD_FIXED + nameLength, extraLength, sizes);
    }
    yield {
      nameAt: p + CD_FIXED,
      nameLength,
      flags: view.getUint16(p + 8, true),
      method: view.getUint16(p + 10, true),
      crc32: view.getUint32(p + 16, true),
      extraLength,
      ...sizes,
    };
    p = next;
  }
}

function bounded(record: CentralRecord, name: Uint8Array, end: number): ZipEntry {
  if (record.localHeaderOffset + 30 + record.compressedSize > end) {
    throw new NotAZipError("entry overruns the next local header");
  }
  const { nameAt: _at, nameLength: _length, ...fields } = record;
  return { ...fields, name, end };
}

/**
 * Finds the entry named exactly `name` (bytes, case-sensitive, no normalisation: Workhorse's
 * rule) in a central directory, and bounds it by the nearest local header after it.
 */
export function findEntry(cd: Uint8Array, entries: number, cdOffset: number, name: Uint8Array): ZipEntry | null {
  let found: CentralRecord | undefined;
  const offsets: number[] = [];
  for (const record of records(cd, entries)) {
    offsets.push(record.localHeaderOffset);
    if (!found && record.nameLength === name.length && sameBytes(cd, record.nameAt, name)) found = record;
  }
  if (!found) return null;
  let end = cdOffset;
  for (const offset of offsets) if (offset > found.localHeaderOffset && offset < end) end = offset;
  return bounded(found, name, end);
}

/** Every entry of a central directory, each bounded by the next local header: an archive's index. */
export function listEntries(cd: Uint8Array, entries: number, cdOffset: number): ZipEntry[] {
  const all = [...records(cd, entries)];
  const offsets = [...new Set(all.map((r) => r.localHeaderOffset))].sort((a, b) => a - b);
  return all.map((record) => {
    // The first offset above this entry's, by binary search.
    let lo = 0;
    let hi = offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((offsets[mid] ?? 0) <= record.localHeaderOffset) lo = mid + 1;
      else hi = mid;
    }
    const next = offsets[lo];
    return bounded(
      record,
      cd.slice(record.nameAt, record.nameAt + record.nameLength),
      next !== undefined && next < cdOffset ? next : cdOffset,
    );
  });
}
