import { zipSync } from "fflate";
import yazl from "yazl";
import { fc } from "./fuzz";

/** One file written into a generated archive. */
export interface FileSpec {
  readonly name: string;
  readonly data: Uint8Array;
  readonly store: boolean;
}

const utf8 = new TextEncoder();
export const nameBytes = (name: string) => utf8.encode(name);

/** Entry names as CI jobs write them, and as attackers do: any code points, `..`, `/`, `\`, CR/LF. */
const nameArb = fc.oneof(
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 24 }),
  fc
    .array(fc.constantFrom("a", "b", ".", "..", "", "dir", " ", "\\", "\r\n", "✓", "é", "\u{1F600}"), {
      minLength: 1,
      maxLength: 5,
    })
    .map((parts) => parts.join("/")),
);

/** Random bytes, or text that compresses well (so deflate runs long back-references). */
const dataArb = fc.oneof(
  { weight: 12, arbitrary: fc.uint8Array({ maxLength: 600 }) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 12 }), fc.integer({ min: 0, max: 400 }))
      .map(([unit, times]) => utf8.encode(unit.repeat(times))),
  },
  // Past 64 KiB: the central directory leaves the first tail read, and deflate takes several slices.
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 70_000 }).map((n) => new Uint8Array(n).fill(n & 0xff)) },
);

/** Up to 6 files with distinct names (as bytes: the reader matches names byte for byte). */
export const filesArb: fc.Arbitrary<FileSpec[]> = fc
  .uniqueArray(
    fc.record({ name: nameArb, data: dataArb, store: fc.boolean() }),
    { maxLength: 6, selector: (f) => Array.from(nameBytes(f.name)).join(",") },
    // fflate takes the files as an object's keys, where `__proto__` is not a key: a writer's limit.
  )
  .filter((files) => files.every((f) => f.name !== "__proto__"));

export function fflateZip(files: readonly FileSpec[]): Uint8Array {
  return zipSync(Object.fromEntries(files.map((f) => [f.name, [f.data, { level: f.store ? 0 : 6 }]])));
}

/**
 * yazl, as Node CI tools write zips: optionally ZIP64 records for every entry and the end, and a
 * comment. yazl refuses names it considers unsafe (absolute, `..`) and turns `\\` into `/`: those archives
 * come from fflate.
 */
export async function zipWith(files: readonly FileSpec[], yazlOptions?: { zip64: boolean; comment?: string }) {
  if (!yazlOptions || files.some((f) => f.name.includes("\\"))) return fflateZip(files);
  const zip = new yazl.ZipFile();
  try {
    for (const f of files) {
      zip.addBuffer(Buffer.from(f.data), f.name, { compress: !f.store, forceZip64Format: yazlOptions.zip64 });
    }
  } catch {
    return fflateZip(files);
  }
  zip.end({ forceZip64Format: yazlOptions.zip64, comment: yazlOptions.comment ?? "" });
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/** Where the fields of a well-formed archive are, read by a walk independent of lib/zip. */
export interface Layout {
  /** Byte offsets of every fixed-size field of every record: the places a lie does harm. */
  readonly fields: { at: number; width: 2 | 4 | 8 }[];
  /** Per central record, in order: where it starts, and where its name lies. */
  readonly names: { record: number; start: number; end: number }[];
}

const FIELD_OFFSETS = {
  local: [
    [6, 2],
    [8, 2],
    [14, 4],
    [18, 4],
    [22, 4],
    [26, 2],
    [28, 2],
  ],
  central: [
    [8, 2],
    [10, 2],
    [16, 4],
    [20, 4],
    [24, 4],
    [28, 2],
    [30, 2],
    [32, 2],
    [42, 4],
  ],
  end: [
    [8, 2],
    [10, 2],
    [12, 4],
    [16, 4],
    [20, 2],
  ],
  zip64End: [
    [24, 8],
    [32, 8],
    [40, 8],
    [48, 8],
  ],
} as const;

export function layout(zip: Uint8Array): Layout {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const fields: Layout["fields"] = [];
  const names: Layout["names"] = [];
  const add = (base: number, offsets: readonly (readonly [number, number])[]) => {
    for (const [at, width] of offsets) fields.push({ at: base + at, width: width as 2 | 4 | 8 });
  };
  let eocd = zip.length - 22;
  while (eocd > 0 && view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  add(eocd, FIELD_OFFSETS.end);
  let p = view.getUint32(eocd + 16, true);
  if (eocd >= 20 && view.getUint32(eocd - 20, true) === 0x07064b50) {
    const record = Number(view.getBigUint64(eocd - 12, true));
    add(record, FIELD_OFFSETS.zip64End);
    p = Number(view.getBigUint64(record + 48, true));
  }
  while (p + 46 <= zip.length && view.getUint32(p, true) === 0x02014b50) {
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    add(p, FIELD_OFFSETS.central);
    names.push({ record: p, start: p + 46, end: p + 46 + nameLength });
    // ZIP64 extra fields: each 8-byte value is a size or an offset.
    for (let e = p + 46 + nameLength; e + 4 <= p + 46 + nameLength + extraLength; ) {
      const size = view.getUint16(e + 2, true);
      fields.push({ at: e + 2, width: 2 });
      if (view.getUint16(e, true) === 1)
        for (let v = 0; v + 8 <= size; v += 8) fields.push({ at: e + 4 + v, width: 8 });
      e += 4 + size;
    }
    let local = view.getUint32(p + 42, true);
    if (local === 0xffffffff) local = -1;
    if (local >= 0 && local + 30 <= zip.length) add(local, FIELD_OFFSETS.local);
    p += 46 + nameLength + extraLength + view.getUint16(p + 32, true);
  }
  return { fields, names };
}

/** Values a lying field takes: the edges of every width, and small and random ones. */
const INTERESTING = [0, 1, 2, 7, 8, 9, 30, 46, 0x7f, 0xff, 0x100, 0xfffe, 0xffff, 0x10000, 0x7fffffff, 0xfffffffe];

export type Mutation =
  | { kind: "byte"; pick: number; value: number }
  | { kind: "field"; pick: number; value: number; delta: number }
  | { kind: "truncate"; pick: number }
  | { kind: "insert"; pick: number; bytes: Uint8Array };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("byte" as const), pick: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant("field" as const),
    pick: fc.nat(),
    value: fc.oneof(fc.constantFrom(...INTERESTING, -1), fc.nat()),
    // Mostly an edge value, else off by a few bytes.
    delta: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: -3, max: 3 })),
  }),
  fc.record({ kind: fc.constant("truncate" as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    pick: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
);

/** Applies mutations; returns the new bytes and the offsets changed (in the original's terms). */
export function mutate(zip: Uint8Array, shape: Layout, mutations: readonly Mutation[]) {
  let out = zip.slice();
  const touched: number[] = [];
  for (const m of mutations) {
    if (out.length === 0) break;
    const view = new DataView(out.buffer);
    if (m.kind === "byte") {
      const at = m.pick % out.length;
      out[at] = m.value === out[at] ? m.value ^ 0xff : m.value;
      touched.push(at);
    } else if (m.kind === "field") {
      const field = shape.fields[m.pick % Math.max(1, shape.fields.length)];
      if (!field || field.at + field.width > out.length) continue;
      const max = 2 ** (8 * field.width) - 1;
      const old =
        field.width === 8
          ? Number(view.getBigUint64(field.at, true))
          : field.width === 4
            ? view.getUint32(field.at, true)
            : view.getUint16(field.at, true);
      // A lie by a little (off by a few bytes) or by a lot (an edge value).
      const value = Math.min(max, Math.max(0, m.value === -1 ? max : m.delta !== 0 ? old + m.delta : m.value));
      if (field.width === 8) view.setBigUint64(field.at, BigInt(value), true);
      else if (field.width === 4) view.setUint32(field.at, value, true);
      else view.setUint16(field.at, value & 0xffff, true);
      for (let i = 0; i < field.width; i++) touched.push(field.at + i);
    } else if (m.kind === "truncate") {
      out = out.slice(0, m.pick % out.length);
      touched.push(out.length);
    } else {
      const at = m.pick % (out.length + 1);
      const grown = new Uint8Array(out.length + m.bytes.length);
      grown.set(out.subarray(0, at));
      grown.set(m.bytes, at);
      grown.set(out.subarray(at), at + m.bytes.length);
      out = grown;
      touched.push(at);
    }
  }
  return { bytes: out, touched };
}
