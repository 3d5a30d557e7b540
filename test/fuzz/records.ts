import { concat } from "../helpers/bytes";
import { fc } from "./fuzz";

/**
 * Central-directory records, ZIP64 end records and end records built field by field from
 * fast-check's choices: what a hostile archive can say, consistent or not.
 */
const u16 = fc.oneof(fc.constantFrom(0, 1, 8, 0xffff), fc.integer({ min: 0, max: 0xffff }));
const u32 = fc.oneof(
  fc.constantFrom(0, 1, 22, 30, 46, 0xfffe, 0xffff, 0x7fffffff, 0xfffffffe, 0xffffffff),
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.integer({ min: 0, max: 4096 }),
);
const u64 = fc.oneof(
  fc.constantFrom(0n, 1n, 0xffffffffn, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.bigInt({ min: 0n, max: 4096n }),
);

/** An extra field: a ZIP64 one (id 1) with 0..4 values, declared size honest or not, or any other. */
const extraArb = fc.oneof(
  fc
    .record({ values: fc.array(u64, { maxLength: 4 }), sizeDelta: fc.constantFrom(0, 0, 0, -4, -1, 1, 8, 100) })
    .map(({ values, sizeDelta }) => {
      const body = new Uint8Array(values.length * 8);
      const view = new DataView(body.buffer);
      values.forEach((v, i) => {
        view.setBigUint64(i * 8, v, true);
      });
      return field(1, body, Math.max(0, body.length + sizeDelta));
    }),
  fc.record({ id: u16, body: fc.uint8Array({ maxLength: 12 }) }).map(({ id, body }) => field(id, body, body.length)),
);

function field(id: number, body: Uint8Array, declared: number): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, id, true);
  view.setUint16(2, declared & 0xffff, true);
  out.set(body, 4);
  return out;
}

export const centralRecordArb = fc
  .record({
    flags: fc.oneof(fc.constantFrom(0, 1, 8, 0x800), u16),
    method: fc.oneof(fc.constantFrom(0, 8), u16),
    crc: u32,
    compressed: u32,
    uncompressed: u32,
    offset: u32,
    name: fc.uint8Array({ maxLength: 12 }),
    extras: fc.array(extraArb, { maxLength: 2 }),
    comment: fc.uint8Array({ maxLength: 4 }),
  })
  .map((r) => {
    const extra = concat(...r.extras);
    const out = new Uint8Array(46 + r.name.length + extra.length + r.comment.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, 0x02014b50, true);
    view.setUint16(8, r.flags, true);
    view.setUint16(10, r.method, true);
    view.setUint32(16, r.crc, true);
    view.setUint32(20, r.compressed, true);
    view.setUint32(24, r.uncompressed, true);
    view.setUint16(28, r.name.length, true);
    view.setUint16(30, extra.length, true);
    view.setUint16(32, r.comment.length, true);
    view.setUint32(42, r.offset, true);
    out.set(r.name, 46);
    out.set(extra, 46 + r.name.length);
    out.set(r.comment, 46 + r.name.length + extra.length);
    return out;
  });

/** Bytes that look like a local header (signature, name and extra lengths), then anything. */
export const localStuffArb = fc
  .record({ nameLength: u16, extraLength: u16, rest: fc.uint8Array({ maxLength: 200 }), head: fc.boolean() })
  .map(({ nameLength, extraLength, rest, head }) => {
    if (!head) return rest;
    const out = new Uint8Array(30 + rest.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, 0x04034b50, true);
    view.setUint16(26, nameLength % 64, true);
    view.setUint16(28, extraLength % 64, true);
    out.set(rest, 30);
    return out;
  });

/**
 * An archive from its parts: local-ish bytes, a central directory, and end records whose counts,
 * size and offset are the true ones or lies; sometimes a ZIP64 end record and locator.
 */
export const hostileArchiveArb = fc
  .record({
    locals: fc.array(localStuffArb, { maxLength: 4 }),
    records: fc.array(centralRecordArb, { maxLength: 5 }),
    entries: fc.oneof(fc.constant(-1), u16),
    size: fc.oneof(fc.constant(-1), u32),
    offset: fc.oneof(fc.constant(-1), u32),
    zip64: fc.boolean(),
    zip64Values: fc.tuple(u64, u64, u64, u64),
    lie64: fc.boolean(),
    comment: fc.uint8Array({ maxLength: 8 }),
    commentDelta: fc.constantFrom(0, 0, 0, 1, -1, 100),
  })
  .map((a) => {
    const body = concat(...a.locals);
    const cd = concat(...a.records);
    const entries = a.entries === -1 ? a.records.length : a.entries;
    const cdSize = a.size === -1 ? cd.length : a.size;
    const cdOffset = a.offset === -1 ? body.length : a.offset;
    const parts = [body, cd];
    if (a.zip64) {
      const record = new Uint8Array(56);
      const view = new DataView(record.buffer);
      view.setUint32(0, 0x06064b50, true);
      const [e, s, o, at] = a.zip64Values;
      view.setBigUint64(32, a.lie64 ? e : BigInt(entries), true);
      view.setBigUint64(40, a.lie64 ? s : BigInt(cdSize), true);
      view.setBigUint64(48, a.lie64 ? o : BigInt(cdOffset), true);
      const locator = new Uint8Array(20);
      const lv = new DataView(locator.buffer);
      lv.setUint32(0, 0x07064b50, true);
      lv.setBigUint64(8, a.lie64 ? at : BigInt(body.length + cd.length), true);
      parts.push(record, locator);
    }
    const end = new Uint8Array(22);
    const view = new DataView(end.buffer);
    view.setUint32(0, 0x06054b50, true);
    view.setUint16(8, entries & 0xffff, true);
    view.setUint16(10, a.zip64 ? 0xffff : entries & 0xffff, true);
    view.setUint32(12, a.zip64 ? 0xffffffff : cdSize >>> 0, true);
    view.setUint32(16, a.zip64 ? 0xffffffff : cdOffset >>> 0, true);
    view.setUint16(20, Math.max(0, a.comment.length + a.commentDelta) & 0xffff, true);
    parts.push(end, a.comment);
    return concat(...parts);
  });
