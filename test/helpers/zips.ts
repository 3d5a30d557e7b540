import CRC32 from "crc-32";
import { deflateSync, zipSync } from "fflate";
import { concat, random, text } from "./bytes";

/** A small real zip archive built in the test. */
export function smallZip(files: Record<string, string> = { "README.md": "# hello\n" }): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, value]) => [name, text(value)])));
}

/** A zip whose one entry is `size` bytes of incompressible data (stored, so the archive is that big). */
export function bigZip(size: number): Uint8Array {
  return zipSync({ "blob.bin": [random(size), { level: 0 }] });
}

export function multipartUpload(file: Uint8Array, fields: Record<string, string> = {}, fieldName = "file"): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append(fieldName, new Blob([file], { type: "application/zip" }), "artifacts.zip");
  return form;
}

/** One entry of a hand-made archive: every field a hostile archive may get wrong can be set. */
export interface RawEntry {
  readonly name: string | Uint8Array;
  /** The uncompressed bytes; deflated (method 8) unless `method` says otherwise. */
  readonly content?: Uint8Array;
  /** The bytes as stored after the local header, when they are not `content` compressed. */
  readonly stored?: Uint8Array;
  readonly method?: number;
  readonly flags?: number;
  readonly crc32?: number;
  readonly compressedSize?: number;
  readonly uncompressedSize?: number;
  /** Where the central record says the local header is (default: where it was written). */
  readonly offset?: number;
  /** Extra field of the central record (e.g. a ZIP64 one). */
  readonly centralExtra?: Uint8Array;
  readonly comment?: Uint8Array;
  /** What the local header says instead of what the central record says. */
  readonly local?: { readonly name?: string | Uint8Array; readonly method?: number; readonly flags?: number };
  /** Write no local header and data for this entry (its central record points elsewhere). */
  readonly centralOnly?: boolean;
}

/** What the end of a hand-made archive says, where it should not say the truth. */
export interface RawEnd {
  readonly entries?: number;
  readonly size?: number;
  readonly offset?: number;
  readonly comment?: Uint8Array;
  /** A ZIP64 end record and locator before the end record (`recordOffset` overrides the locator's pointer). */
  readonly zip64?: {
    readonly entries?: number;
    readonly size?: number;
    readonly offset?: number;
    readonly recordOffset?: number;
  };
}

const crc32 = (bytes: Uint8Array) => CRC32.buf(bytes) >>> 0;
const asBytes = (name: string | Uint8Array) => (typeof name === "string" ? text(name) : name);

/** A zip written field by field (APPNOTE 4.3), so tests can build what no zip writer would. */
export function rawZip(entries: readonly RawEntry[], end: RawEnd = {}): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let at = 0;
  for (const e of entries) {
    const name = asBytes(e.name);
    const method = e.method ?? 8;
    const content = e.content ?? new Uint8Array(0);
    const data = e.stored ?? (method === 8 ? deflateSync(content) : content);
    const crc = e.crc32 ?? crc32(content);
    const compressed = e.compressedSize ?? data.length;
    const uncompressed = e.uncompressedSize ?? content.length;
    const offset = e.offset ?? at;
    if (!e.centralOnly) {
      const localName = asBytes(e.local?.name ?? name);
      const header = new Uint8Array(30 + localName.length);
      const v = new DataView(header.buffer);
      v.setUint32(0, 0x04034b50, true);
      v.setUint16(4, 20, true);
      v.setUint16(6, e.local?.flags ?? e.flags ?? 0x800, true);
      v.setUint16(8, e.local?.method ?? method, true);
      v.setUint32(14, crc, true);
      v.setUint32(18, compressed, true);
      v.setUint32(22, uncompressed, true);
      v.setUint16(26, localName.length, true);
      header.set(localName, 30);
      locals.push(header, data);
      at += header.length + data.length;
    }
    const extra = e.centralExtra ?? new Uint8Array(0);
    const comment = e.comment ?? new Uint8Array(0);
    const record = new Uint8Array(46 + name.length + extra.length + comment.length);
    const v = new DataView(record.buffer);
    v.setUint32(0, 0x02014b50, true);
    v.setUint16(4, 20, true);
    v.setUint16(6, 20, true);
    v.setUint16(8, e.flags ?? 0x800, true);
    v.setUint16(10, method, true);
    v.setUint32(16, crc, true);
    v.setUint32(20, compressed, true);
    v.setUint32(24, uncompressed, true);
    v.setUint16(28, name.length, true);
    v.setUint16(30, extra.length, true);
    v.setUint16(32, comment.length, true);
    v.setUint32(42, offset, true);
    record.set(name, 46);
    record.set(extra, 46 + name.length);
    record.set(comment, 46 + name.length + extra.length);
    centrals.push(record);
  }
  const cdOffset = at;
  const cdSize = centrals.reduce((n, c) => n + c.length, 0);
  const tail: Uint8Array[] = [];
  if (end.zip64) {
    const record = new Uint8Array(56);
    const v = new DataView(record.buffer);
    v.setUint32(0, 0x06064b50, true);
    v.setBigUint64(4, 44n, true);
    v.setUint16(12, 45, true);
    v.setUint16(14, 45, true);
    v.setBigUint64(24, BigInt(end.zip64.entries ?? entries.length), true);
    v.setBigUint64(32, BigInt(end.zip64.entries ?? entries.length), true);
    v.setBigUint64(40, BigInt(end.zip64.size ?? cdSize), true);
    v.setBigUint64(48, BigInt(end.zip64.offset ?? cdOffset), true);
    const locator = new Uint8Array(20);
    const l = new DataView(locator.buffer);
    l.setUint32(0, 0x07064b50, true);
    l.setBigUint64(8, BigInt(end.zip64.recordOffset ?? cdOffset + cdSize), true);
    l.setUint32(16, 1, true);
    tail.push(record, locator);
  }
  const comment = end.comment ?? new Uint8Array(0);
  const eocd = new Uint8Array(22 + comment.length);
  const v = new DataView(eocd.buffer);
  v.setUint32(0, 0x06054b50, true);
  v.setUint16(8, end.zip64 ? 0xffff : (end.entries ?? entries.length), true);
  v.setUint16(10, end.zip64 ? 0xffff : (end.entries ?? entries.length), true);
  v.setUint32(12, end.zip64 ? 0xffffffff : (end.size ?? cdSize), true);
  v.setUint32(16, end.zip64 ? 0xffffffff : (end.offset ?? cdOffset), true);
  v.setUint16(20, comment.length, true);
  eocd.set(comment, 22);
  return concat(...locals, ...centrals, ...tail, eocd);
}

/**
 * A real archive of `n` stored entries named by their number (after `prefix`), each holding
 * `content` (empty by default), written straight into one buffer (a million empty entries take
 * about 90 MB and a second).
 */
export function manyEntriesZip(n: number, options: { prefix?: string; content?: Uint8Array } = {}): Uint8Array {
  const prefix = options.prefix ?? "";
  const content = options.content ?? new Uint8Array(0);
  const crc = content.length ? CRC32.buf(content) >>> 0 : 0;
  const nameOf = (i: number) => i.toString(36).padStart(4, "0");
  const width = prefix.length + nameOf(n - 1).length;
  const localSize = 30 + width + content.length;
  const centralSize = 46 + width;
  const zip64 = n > 0xffff;
  const out = Buffer.alloc(n * (localSize + centralSize) + (zip64 ? 56 + 20 : 0) + 22);
  for (let i = 0; i < n; i++) {
    const name = prefix + nameOf(i).padStart(width - prefix.length, "0");
    const l = i * localSize;
    out.writeUInt32LE(0x04034b50, l);
    out.writeUInt16LE(10, l + 4);
    out.writeUInt32LE(crc, l + 14);
    out.writeUInt32LE(content.length, l + 18);
    out.writeUInt32LE(content.length, l + 22);
    out.writeUInt16LE(width, l + 26);
    out.write(name, l + 30, "latin1");
    out.set(content, l + 30 + width);
    const c = n * localSize + i * centralSize;
    out.writeUInt32LE(0x02014b50, c);
    out.writeUInt16LE(20, c + 4);
    out.writeUInt16LE(10, c + 6);
    out.writeUInt32LE(crc, c + 16);
    out.writeUInt32LE(content.length, c + 20);
    out.writeUInt32LE(content.length, c + 24);
    out.writeUInt16LE(width, c + 28);
    out.writeUInt32LE(l, c + 42);
    out.write(name, c + 46, "latin1");
  }
  let e = n * (localSize + centralSize);
  if (zip64) {
    // More entries than the end record's 16 bits hold: a ZIP64 end record and its locator.
    out.writeUInt32LE(0x06064b50, e);
    out.writeBigUInt64LE(44n, e + 4);
    out.writeUInt16LE(45, e + 12);
    out.writeUInt16LE(45, e + 14);
    out.writeBigUInt64LE(BigInt(n), e + 24);
    out.writeBigUInt64LE(BigInt(n), e + 32);
    out.writeBigUInt64LE(BigInt(n * centralSize), e + 40);
    out.writeBigUInt64LE(BigInt(n * localSize), e + 48);
    out.writeUInt32LE(0x07064b50, e + 56);
    out.writeBigUInt64LE(BigInt(e), e + 64);
    out.writeUInt32LE(1, e + 72);
    e += 76;
  }
  out.writeUInt32LE(0x06054b50, e);
  out.writeUInt16LE(Math.min(n, 0xffff), e + 8);
  out.writeUInt16LE(Math.min(n, 0xffff), e + 10);
  out.writeUInt32LE(n * centralSize, e + 12);
  out.writeUInt32LE(n * localSize, e + 16);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
