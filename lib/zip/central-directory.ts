import { NotAZipError } from "./eocd";
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
        if (q + 8 > p + 4 + size) throw new NotAZipError("short ZIP64 extra field");
        const value = Number(view.getBigUint64(q, true));
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

/**
 * Finds the entry named exactly `name` (bytes, case-sensitive, no normalisation: Workhorse's
 * rule) in a central directory, and bounds it by the nearest local header after it.
 */
export function findEntry(cd: Uint8Array, entries: number, cdOffset: number, name: Uint8Array): ZipEntry | null {
  if (entries > MAX_ENTRIES) throw new ZipLimitError(`archive has ${entries} entries`);
  const view = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  let found: Omit<ZipEntry, "end"> | undefined;
  const offsets: number[] = [];
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
    offsets.push(sizes.localHeaderOffset);
    if (!found && nameLength === name.length && sameBytes(cd, p + CD_FIXED, name)) {
      found = {
        name,
        flags: view.getUint16(p + 8, true),
        method: view.getUint16(p + 10, true),
        crc32: view.getUint32(p + 16, true),
        extraLength,
        ...sizes,
      };
    }
    p = next;
  }
  if (!found) return null;
  let end = cdOffset;
  for (const offset of offsets) if (offset > found.localHeaderOffset && offset < end) end = offset;
  if (found.localHeaderOffset + 30 + found.compressedSize > end) {
    throw new NotAZipError("entry overruns the next local header");
  }
  return { ...found, end };
}
