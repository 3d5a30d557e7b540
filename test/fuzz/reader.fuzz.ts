import { describe, expect, it } from "vitest";
import type { ZipEntry } from "../../lib/zip/central-directory";
import { WHOLE_INFLATE_MAX } from "../../lib/zip/decode";
import { MAX_TAIL } from "../../lib/zip/eocd";
import { type ByteRange, lookupEntry, MAX_CENTRAL_DIRECTORY, openEntry, TAIL_READ } from "../../lib/zip/reader";
import { readAll, stored, upload } from "./archive-io";
import { check, fc } from "./fuzz";
import { labelledAsync } from "./labels";
import type { Read } from "./memory-storage";
import { hostileArchiveArb } from "./records";
import { fflateZip, filesArb, type Layout, layout, mutate, mutationArb, nameBytes, zipWith } from "./zip-model";

/** Storage bodies come in pieces of any size, down to one byte. */
const chunkArb = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constantFrom(1000, 4096, 65_536));
/** A range inside an entry of `size` bytes, from two fractions. */
const rangeIn = (size: number, [a, b]: [number, number]): ByteRange | undefined => {
  if (size === 0) return undefined;
  const [x, y] = [Math.floor(a * size), Math.floor(b * size)].sort((p, q) => p - q) as [number, number];
  return { start: Math.min(x, size - 1), end: Math.min(y, size - 1) };
};
/** Two fractions of a length, spread evenly (fast-check's doubles crowd near 0). */
const fractions = fc.tuple(fc.nat(1000), fc.nat(1000)).map(([a, b]): [number, number] => [a / 1000, b / 1000]);

/** A lookup reads the tail, maybe a longer tail, and at most the central directory's limit. */
function expectLookupBounded(reads: readonly Read[]) {
  const bytes = reads.reduce((n, r) => n + r.end - r.start + 1, 0);
  expect(bytes).toBeLessThanOrEqual(TAIL_READ + MAX_TAIL + MAX_CENTRAL_DIRECTORY);
}

/** Opening an entry is one read, from its local header to at most its bound. */
function expectEntryRead(reads: readonly Read[], entry: ZipEntry) {
  expect(reads).toHaveLength(1);
  expect(reads[0]?.start).toBe(entry.localHeaderOffset);
  expect(reads[0]?.end).toBeLessThanOrEqual(entry.end - 1);
}

async function readEntry(bytes: Uint8Array, chunk: number, entry: ZipEntry, range?: ByteRange) {
  const { storage, reads, archive } = stored(bytes, chunk);
  const out = await labelledAsync(async () => readAll(await openEntry(storage, archive, entry, range)));
  if (reads.length > 0) expectEntryRead(reads, entry);
  // A body that ends cleanly is exactly as long as the headers said (Content-Length comes from the index).
  if (out) expect(out.length).toBe(range ? range.end - range.start + 1 : entry.uncompressedSize);
  return out;
}

async function lookup(bytes: Uint8Array, chunk: number, name: Uint8Array) {
  const { storage, reads, archive } = stored(bytes, chunk);
  const entry = await labelledAsync(() => lookupEntry(storage, archive, name));
  expectLookupBounded(reads);
  return entry;
}

describe("zip reader on valid archives", () => {
  /** fflate, or yazl with or without ZIP64 records. */
  const writer = fc.option(fc.record({ zip64: fc.boolean(), comment: fc.string({ maxLength: 40 }) }), {
    nil: undefined,
  });

  it("lists exactly the entries written, finds each by name and decodes it, whole and in a range", async () => {
    await check(
      "valid archives: index, lookup, whole and ranged reads",
      3_000,
      fc.asyncProperty(filesArb, writer, chunkArb, fractions, async (files, how, chunk, where) => {
        const zip = await zipWith(files, how);
        const indexed = await upload(zip, chunk);
        expect(indexed.map((e) => Buffer.from(e.name).toString("hex"))).toEqual(
          files.map((f) => Buffer.from(nameBytes(f.name)).toString("hex")),
        );
        expect(indexed.map((e) => e.uncompressedSize)).toEqual(files.map((f) => f.data.length));
        for (const file of files) {
          const entry = await lookup(zip, chunk, nameBytes(file.name));
          if (!entry) return expect.fail(`${JSON.stringify(file.name)} not found`);
          expect(await readEntry(zip, chunk, entry)).toEqual(file.data);
          const range = rangeIn(file.data.length, where);
          if (range)
            expect(await readEntry(zip, chunk, entry, range)).toEqual(file.data.subarray(range.start, range.end + 1));
        }
        expect(await lookup(zip, chunk, nameBytes("\u0000not written"))).toBeNull();
      }),
    );
  });
});

/** Which files' central records (header and name) a mutation touched: their names may now be another's. */
function renamed(shape: Layout, touched: readonly number[]): Set<number> {
  const out = new Set<number>();
  shape.names.forEach((name, i) => {
    if (touched.some((at) => at >= name.record && at < name.end)) out.add(i);
  });
  return out;
}

describe("zip reader on damaged archives", () => {
  const damaged = fc.record({
    files: filesArb,
    yazl: fc.boolean(),
    zip64: fc.boolean(),
    mutations: fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
    chunk: chunkArb,
    where: fractions,
  });

  it("any change of the bytes: a labelled error, or an entry read whole is exactly what was written", async () => {
    await check(
      "damaged archives: labelled errors, never wrong bytes read whole",
      10_000,
      fc.asyncProperty(damaged, async ({ files, yazl, zip64, mutations, chunk, where }) => {
        const zip = await zipWith(files, yazl ? { zip64 } : undefined);
        const shape = layout(zip);
        const { bytes, touched } = mutate(zip, shape, mutations);
        const suspects = renamed(shape, touched);
        // Right bytes: the file's own, or those of a file whose central record the change touched.
        const expectAllowed = (got: Uint8Array, i: number) => {
          const ok = [i, ...suspects].some((j) => Buffer.compare(got, files[j]?.data ?? new Uint8Array()) === 0);
          expect(ok, `wrong bytes for ${JSON.stringify(files[i]?.name)} without an error`).toBe(true);
        };
        for (const [i, file] of files.entries()) {
          const entry = await lookup(bytes, chunk, nameBytes(file.name));
          if (!entry) continue;
          const whole = await readEntry(bytes, chunk, entry);
          if (whole) expectAllowed(whole, i);
          const range = rangeIn(entry.uncompressedSize, where);
          if (range && range.end - range.start < 1 << 20) await readEntry(bytes, chunk, entry, range);
        }
        const indexed = await labelledAsync(() => upload(bytes, chunk));
        for (const entry of indexed ?? []) {
          if (entry.uncompressedSize > 1 << 20) continue;
          const whole = await readEntry(bytes, chunk, entry);
          const i = files.findIndex((f) => Buffer.compare(nameBytes(f.name), entry.name) === 0);
          if (whole && i >= 0) expectAllowed(whole, i);
          if (whole && i < 0)
            expect(
              suspects.size,
              `an entry no file was written as: ${Buffer.from(entry.name).toString("hex")} ${JSON.stringify(files)}`,
            ).toBeGreaterThan(0);
        }
      }),
    );
  });

  it("hostile archives built field by field: labelled errors only, bodies exactly as long as announced", async () => {
    await check(
      "hostile archives: labelled errors, exact lengths",
      12_000,
      fc.asyncProperty(
        fc.oneof(hostileArchiveArb, fc.uint8Array({ maxLength: 400 })),
        chunkArb,
        fractions,
        async (bytes, chunk, where) => {
          const indexed = (await labelledAsync(() => upload(bytes, chunk))) ?? [];
          for (const entry of indexed.slice(0, 3)) {
            // Past a few MiB this is the limits' business (lib/downloads/entry.ts), not the parser's.
            if (entry.uncompressedSize > 1 << 22) continue;
            await readEntry(bytes, chunk, entry);
            const range = rangeIn(entry.uncompressedSize, where);
            if (range) await readEntry(bytes, chunk, entry, range);
            const found = await lookup(bytes, chunk, entry.name);
            if (found) expect(found).toEqual(entry);
          }
          if (bytes.length >= 22 && indexed.length === 0) await lookup(bytes, chunk, Uint8Array.of(0x61));
        },
      ),
    );
  });
});

describe("zip reader on zip bombs", () => {
  /**
   * Deflate's best ratio is about 1032:1: one slice of input (2 KiB) inflates to about 2 MiB at
   * most; an entry of WHOLE_INFLATE_MAX or less may come as one piece (read and inflated whole).
   */
  const MAX_PIECE = Math.max(1032 * 2048 + 64 * 1024, WHOLE_INFLATE_MAX);

  it("a highly compressed entry is decoded in pieces of bounded size, to exactly its bytes", async () => {
    await check(
      "zip bombs: bounded pieces",
      30,
      fc.asyncProperty(fc.integer({ min: 0, max: 8 << 20 }), fc.integer({ min: 0, max: 255 }), async (size, byte) => {
        const data = new Uint8Array(size).fill(byte);
        const zip = fflateZip([{ name: "bomb.bin", data, store: false }]);
        const { storage, archive } = stored(zip, 4096);
        const entry = await lookupEntry(storage, archive, nameBytes("bomb.bin"));
        if (!entry) return expect.fail("bomb.bin not found");
        const reader = (await openEntry(storage, archive, entry)).getReader();
        let length = 0;
        for (let next = await reader.read(); !next.done; next = await reader.read()) {
          expect(next.value.length).toBeLessThanOrEqual(MAX_PIECE);
          expect(next.value.every((b) => b === byte)).toBe(true);
          length += next.value.length;
        }
        expect(length).toBe(size);
      }),
    );
  });
});
