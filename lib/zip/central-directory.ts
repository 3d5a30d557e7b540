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

export interface CentralRecord extends Sizes {
  readonly nameAt: number;
  readonly nameLength: number;
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  readonly extraLength: number;
  /** Where the next record starts, in the same buffer. */
  readonly next: number;
}

/**
 * The central record at `p` of `cd`, checked against its own bounds, and where the next one
 * starts; null when `cd` ends first (a stream reads on; a whole directory is damaged).
 */
export function readRecord(cd: Uint8Array, p: number): CentralRecord | null {
  const view = viewOf(cd);
  if (p + 4 <= cd.length && view.getUint32(p, true) !== CD_SIG) {
    throw new NotAZipError("central directory record is damaged");
  }
  if (p + CD_FIXED > cd.length) return null;
  const nameLength = view.getUint16(p + 28, true);
  const extraLength = view.getUint16(p + 30, true);
  const commentLength = view.getUint16(p + 32, true);
  const next = p + CD_FIXED + nameLength + extraLength + commentLength;
  if (next > cd.length) return null;
  let compressedSize = view.getUint32(p + 20, true);
  let uncompressedSize = view.getUint32(p + 24, true);
  let localHeaderOffset = view.getUint32(p + 42, true);
  if (compressedSize === U32_MAX || uncompressedSize === U32_MAX || localHeaderOffset === U32_MAX) {
    const sizes = zip64Sizes(view, p + CD_FIXED + nameLength, extraLength, {
      compressedSize,
      uncompressedSize,
      localHeaderOffset,
    });
    ({ compressedSize, uncompressedSize, localHeaderOffset } = sizes);
  }
  return {
    nameAt: p + CD_FIXED,
    nameLength,
    flags: view.getUint16(p + 8, true),
    method: view.getUint16(p + 10, true),
    crc32: view.getUint32(p + 16, true),
    extraLength,
    next,
    compressedSize,
    uncompressedSize,
    localHeaderOffset,
  };
}

/** The last buffer's DataView: a directory's records are read one after another from one buffer (70,000 views cost as much as the reading). */
let lastView: { readonly cd: Uint8Array; readonly view: DataView } | undefined;

function viewOf(cd: Uint8Array): DataView {
  if (lastView?.cd !== cd) lastView = { cd, view: new DataView(cd.buffer, cd.byteOffset, cd.byteLength) };
  return lastView.view;
}

/** The most records a directory of `size` bytes can hold: a count above it is a lie. */
export function checkEntryCount(entries: number, size: number): void {
  if (entries > MAX_ENTRIES) throw new ZipLimitError(`archive has ${entries} entries`);
  if (entries * CD_FIXED > size) throw new NotAZipError("end record counts more entries than its directory holds");
}

/** Walks the central directory's records, checking each one's bounds. */
function* records(cd: Uint8Array, entries: number): Generator<CentralRecord> {
  checkEntryCount(entries, cd.length);
  let p = 0;
  for (let i = 0; i < entries; i++) {
    const record = readRecord(cd, p);
    if (!record) throw new NotAZipError("central directory record overruns");
    yield record;
    p = record.next;
  }
}

function bounded(record: CentralRecord, name: Uint8Array, end: number): ZipEntry {
  if (record.localHeaderOffset + 30 + record.compressedSize > end) {
    throw new NotAZipError("entry overruns the next local header");
  }
  // Field by field, not by rest and spread: an index builds one per entry (70,000 and more).
  return {
    name,
    method: record.method,
    flags: record.flags,
    crc32: record.crc32,
    compressedSize: record.compressedSize,
    uncompressedSize: record.uncompressedSize,
    localHeaderOffset: record.localHeaderOffset,
    end,
    extraLength: record.extraLength,
  };
}

/**
 * Looks for the entry named exactly `name` (bytes, case-sensitive, no normalisation: Workhorse's
 * rule) among records handed to it one at a time, and bounds it by the nearest local header after it.
 */
export class EntryFinder {
  private found: CentralRecord | undefined;
  private readonly offsets: number[] = [];

  constructor(private readonly name: Uint8Array) {}

  /** One record; `cd` is the buffer its nameAt points into. */
  add(record: CentralRecord, cd: Uint8Array): void {
    this.offsets.push(record.localHeaderOffset);
    if (!this.found && record.nameLength === this.name.length && sameBytes(cd, record.nameAt, this.name)) {
      this.found = record;
    }
  }

  result(cdOffset: number): ZipEntry | null {
    const found = this.found;
    if (!found) return null;
    let end = cdOffset;
    for (const offset of this.offsets) if (offset > found.localHeaderOffset && offset < end) end = offset;
    return bounded(found, this.name, end);
  }
}

/**
 * Deflate cannot expand more than 1032:1 (one bit for a 258-byte match, after its block's
 * codes), so an entry that claims more lies about its sizes: a zip bomb's tell.
 */
export const MAX_DEFLATE_RATIO = 1032;

/** Bytes of names IndexBuilder copies into one buffer. */
const NAME_BLOCK = 256 * 1024;

/**
 * Builds an archive's index from its records, refusing (NotAZipError) any archive that cannot
 * be indexed whole and exactly: records that overrun the directory or leave part of it unread,
 * two entries sharing bytes (an overlapping-entry zip bomb), sizes that their method cannot
 * produce. Every entry it accepts is bounded by the next local header.
 */
export class IndexBuilder {
  private readonly records: CentralRecord[] = [];
  private readonly names: Uint8Array[] = [];

  add(record: CentralRecord, cd: Uint8Array): void {
    const encrypted = (record.flags & 0x1) !== 0;
    if (record.method === 0 && !encrypted && record.compressedSize !== record.uncompressedSize) {
      throw new NotAZipError("stored entry with two different sizes");
    }
    if (record.method === 8 && record.uncompressedSize > record.compressedSize * MAX_DEFLATE_RATIO) {
      throw new NotAZipError("deflated entry claims more than deflate can expand to");
    }
    this.records.push(record);
    this.names.push(this.copy(cd.subarray(record.nameAt, record.nameAt + record.nameLength)));
  }

  /** Names are copied into shared blocks: a buffer of its own per name cost a third of the index's time. */
  private block = new Uint8Array(0);
  private used = 0;

  private copy(name: Uint8Array): Uint8Array {
    if (this.used + name.length > this.block.length) {
      this.block = new Uint8Array(Math.max(NAME_BLOCK, name.length));
      this.used = 0;
    }
    const copy = this.block.subarray(this.used, this.used + name.length);
    copy.set(name);
    this.used += name.length;
    return copy;
  }

  /** `consumed`: directory bytes the records took up, which must be all `size` of them. */
  result(location: { offset: number; size: number }, consumed: number): ZipEntry[] {
    if (consumed !== location.size) throw new NotAZipError("central directory holds more than its records");
    const records = this.records;
    const bound = (next: number | undefined) => (next !== undefined && next < location.offset ? next : location.offset);
    // Usually the directory lists entries in the order they were written: each one ends where
    // the next begins, no search needed.
    let ascending = true;
    for (let i = 1; i < records.length && ascending; i++) {
      ascending = (records[i] as CentralRecord).localHeaderOffset > (records[i - 1] as CentralRecord).localHeaderOffset;
    }
    if (ascending) {
      return records.map((record, i) =>
        bounded(record, this.names[i] as Uint8Array, bound(records[i + 1]?.localHeaderOffset)),
      );
    }
    const offsets = Float64Array.from(records, (r) => r.localHeaderOffset).sort();
    for (let i = 1; i < offsets.length; i++) {
      if (offsets[i] === offsets[i - 1]) throw new NotAZipError("two entries share one local header");
    }
    return records.map((record, i) => {
      // The first offset above this entry's, by binary search.
      let lo = 0;
      let hi = offsets.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((offsets[mid] ?? 0) <= record.localHeaderOffset) lo = mid + 1;
        else hi = mid;
      }
      return bounded(record, this.names[i] as Uint8Array, bound(offsets[lo]));
    });
  }
}

/** Finds the entry named exactly `name` in a whole central directory (see EntryFinder). */
export function findEntry(cd: Uint8Array, entries: number, cdOffset: number, name: Uint8Array): ZipEntry | null {
  const finder = new EntryFinder(name);
  for (const record of records(cd, entries)) finder.add(record, cd);
  return finder.result(cdOffset);
}

/** Every entry of a whole central directory, each bounded by the next local header: an archive's index. */
export function listEntries(cd: Uint8Array, entries: number, cdOffset: number): ZipEntry[] {
  const builder = new IndexBuilder();
  let consumed = 0;
  for (const record of records(cd, entries)) {
    builder.add(record, cd);
    consumed = record.next;
  }
  return builder.result({ offset: cdOffset, size: cd.length }, consumed);
}
