/**
 * The end of a zip: the end-of-central-directory record (EOCD), and for ZIP64 archives the
 * locator and record before it (APPNOTE 4.3.14-4.3.16). Everything here works on the tail
 * bytes of the archive, which is all a reader needs to find the central directory.
 */
export const EOCD_SIZE = 22;
export const MAX_COMMENT = 0xffff;
export const ZIP64_LOCATOR_SIZE = 20;
export const ZIP64_EOCD_SIZE = 56;
/** Enough tail to hold any EOCD with its comment, plus the ZIP64 locator and record. */
export const MAX_TAIL = EOCD_SIZE + MAX_COMMENT + ZIP64_LOCATOR_SIZE + ZIP64_EOCD_SIZE;

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;

export interface CentralDirectoryLocation {
  /** Offset of the central directory in the archive. */
  readonly offset: number;
  readonly size: number;
  readonly entries: number;
  readonly zip64: boolean;
  /** Offset of the first byte after the central directory's records (the ZIP64 or plain EOCD). */
  readonly end: number;
}

export class NotAZipError extends Error {
  override name = "NotAZipError";
}

/** A ZIP64 field, refused beyond 2^53 - 1 (past it a number is no longer exact). */
export function u64(view: DataView, at: number): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new NotAZipError("ZIP64 field out of range");
  return Number(value);
}

/**
 * Finds the central directory from `tail`, the last bytes of an archive of `archiveSize`
 * bytes. The EOCD is taken as the last signature whose comment runs exactly to the end, the
 * way Go's archive/zip and Info-ZIP resolve a signature that happens to appear in a comment.
 */
export function locateCentralDirectory(tail: Uint8Array, archiveSize: number): CentralDirectoryLocation {
  const tailOffset = archiveSize - tail.length;
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  for (let at = tail.length - EOCD_SIZE; at >= 0 && at >= tail.length - EOCD_SIZE - MAX_COMMENT; at--) {
    if (view.getUint32(at, true) !== EOCD_SIG) continue;
    const commentLength = view.getUint16(at + 20, true);
    if (at + EOCD_SIZE + commentLength !== tail.length) continue;
    const eocdOffset = tailOffset + at;
    let entries = view.getUint16(at + 10, true);
    let size = view.getUint32(at + 12, true);
    let offset = view.getUint32(at + 16, true);
    let end = eocdOffset;
    let zip64 = false;
    const locatorAt = at - ZIP64_LOCATOR_SIZE;
    if (locatorAt >= 0 && view.getUint32(locatorAt, true) === ZIP64_LOCATOR_SIG) {
      const recordOffset = u64(view, locatorAt + 8);
      const recordAt = recordOffset - tailOffset;
      if (recordAt < 0 || recordAt + ZIP64_EOCD_SIZE > locatorAt || view.getUint32(recordAt, true) !== ZIP64_EOCD_SIG) {
        throw new NotAZipError("ZIP64 end of central directory record not found");
      }
      entries = u64(view, recordAt + 32);
      size = u64(view, recordAt + 40);
      offset = u64(view, recordAt + 48);
      end = recordOffset;
      zip64 = true;
    }
    if (offset + size > end) throw new NotAZipError("central directory overlaps its end record");
    return { offset, size, entries, zip64, end };
  }
  throw new NotAZipError("end of central directory record not found");
}

/** The first bytes of any zip: a local file header, or an empty archive's EOCD (ZIP64's or the plain one). */
export function hasZipMagic(head: Uint8Array): boolean {
  if (head.length < 4 || head[0] !== 0x50 || head[1] !== 0x4b) return false;
  return (
    (head[2] === 0x03 && head[3] === 0x04) ||
    (head[2] === 0x05 && head[3] === 0x06) ||
    (head[2] === 0x06 && head[3] === 0x06)
  );
}
