import { readFileSync } from "node:fs";
import { DecompressionStream as Native } from "node:stream/web";
import zlib from "node:zlib";
import { zipSync } from "fflate";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ZipEntry } from "../../../lib/zip/central-directory";
import {
  INFLATE_AHEAD,
  INFLATE_CHUNK,
  MAX_FALLBACK_BURST,
  OUTPUT_CHUNK,
  WHOLE_INFLATE_MAX,
} from "../../../lib/zip/decode";
import { ArchiveNotFoundError, CorruptEntryError, NotAZipError, UnsupportedEntryError } from "../../../lib/zip/errors";
import {
  type ArchiveRef,
  type ByteRange,
  lookupEntry,
  openEntry,
  readsWhole,
  readWholeEntry,
  TAIL_READ,
  WHOLE_ENTRY_BYTES,
  WHOLE_ENTRY_READ,
} from "../../../lib/zip/reader";
import { text as encode, random } from "../../helpers/bytes";
import { countingStorage, type StorageRead, wrapStorage } from "../../helpers/counting-storage";
import { harness, unique } from "../../helpers/harness";
import { type Entry, infoZip, pythonZip, WRITERS } from "../../helpers/zip-writers";
import { rawZip } from "../../helpers/zips";

const { storage: real } = harness();
// Reads counted per step of a lookup, finer than the harness's cost() per request.
const reads: StorageRead[] = [];
const storage = countingStorage(real, (read) => reads.push(read));

async function put(bytes: Uint8Array): Promise<ArchiveRef> {
  const key = `zip-tests/${unique("z")}.zip`;
  await real.upload(key, new Blob([bytes]).stream(), "application/zip");
  return { key, size: bytes.length };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Looks `name` up and reads it (or a range), counting storage reads for each step. */
async function fetchEntry(archive: ArchiveRef, name: string, range?: ByteRange) {
  reads.length = 0;
  const entry = await lookupEntry(storage, archive, encode(name));
  const lookupReads = reads.length;
  if (!entry) return { entry, lookupReads, bytes: null, entryReads: 0 };
  const bytes = await readAll(await openEntry(storage, archive, entry, range));
  return { entry, lookupReads, bytes, entryReads: reads.length - lookupReads };
}

/** What lib/zip/decode.ts sees in workerd, where it uses the runtime's own DecompressionStream. */
const asWorkerd = () => vi.stubGlobal("navigator", { userAgent: "Cloudflare-Workers" });

const ENTRIES: Entry[] = [
  { name: "README.md", data: encode("# hello\n") },
  { name: "dist/app.js", data: encode("console.log('x');\n".repeat(2000)) },
  { name: "dist/blob.bin", data: random(70_000), store: true },
  { name: "empty.txt", data: new Uint8Array(0) },
  { name: "deep/a/b/c/d/e.txt", data: encode("deep without directory entries") },
  { name: "ünïcödé ✓.txt", data: encode("unicode") },
];

describe.each(Object.keys(WRITERS))("archives written by %s", (writer) => {
  let archive: ArchiveRef;
  beforeAll(async () => {
    const zip = await WRITERS[writer]?.(ENTRIES);
    if (!zip) throw new Error(`no writer ${writer}`);
    archive = await put(zip);
  });

  it.each(ENTRIES)("finds and streams $name, with one tail read and one entry read, both bounded", async (e) => {
    const got = await fetchEntry(archive, e.name);
    expect(got.bytes).toEqual(e.data);
    expect(got.lookupReads).toBe(1);
    expect(got.entryReads).toBe(1);
    const bounded = { key: archive.key, range: { start: expect.any(Number), end: expect.any(Number) } };
    expect(reads).toEqual([bounded, bounded]);
  });

  it.each(["readme.md", "dist", "/README.md"])("matches names exactly: %s is not there", async (name) => {
    expect((await fetchEntry(archive, name)).entry).toBeNull();
  });

  it.each([
    ["dist/blob.bin", { start: 0, end: 0 }],
    ["dist/blob.bin", { start: 30_000, end: 40_123 }],
    ["dist/blob.bin", { start: 69_990, end: 69_999 }],
    ["dist/app.js", { start: 5, end: 17 }],
    ["dist/app.js", { start: 35_000, end: 35_999 }],
  ] as const)("serves a range of a stored or deflated entry: %s %o", async (name, range) => {
    const original = ENTRIES.find((e) => e.name === name)?.data ?? new Uint8Array(0);
    const got = await fetchEntry(archive, name, range);
    expect(got.bytes).toEqual(original.slice(range.start, range.end + 1));
    expect(got.entryReads).toBe(1);
  });
});

describe("archives written by Go's archive/zip (GitLab Runner's writer; fixtures)", () => {
  it("reads data-descriptor entries, a directory entry, unicode names and the comment", async () => {
    const archive = await put(new Uint8Array(readFileSync(new URL("../../fixtures/go/runner.zip", import.meta.url))));
    expect((await fetchEntry(archive, "dist/index.html")).bytes).toEqual(encode("<!doctype html><h1>from go</h1>\n"));
    expect((await fetchEntry(archive, "dist/app.js")).bytes).toEqual(encode("console.log('go');\n".repeat(500)));
    const stored = await fetchEntry(archive, "stored.bin");
    expect(stored.bytes?.length).toBe(8 * 4096);
    expect(stored.entry?.method).toBe(0);
    expect((await fetchEntry(archive, "ünïcödé/名前.txt")).bytes).toEqual(encode("unicode name\n"));
    const dir = await fetchEntry(archive, "dist/");
    expect(dir.bytes).toEqual(new Uint8Array(0));
  });

  it("reads a ZIP64 archive of 65,601 entries: the tail, then only the rest of the central directory", async () => {
    const bytes = new Uint8Array(readFileSync(new URL("../../fixtures/go/many.zip", import.meta.url)));
    const archive = await put(bytes);
    const got = await fetchEntry(archive, "last.txt");
    expect(got.bytes).toEqual(encode("the last of 65601\n"));
    expect(got.lookupReads).toBe(2);
    const [tail, rest] = reads;
    expect(tail?.range).toEqual({ start: bytes.length - TAIL_READ, end: bytes.length - 1 });
    expect(rest?.range?.end).toBe(bytes.length - TAIL_READ - 1);
    expect((await fetchEntry(archive, "1ekf")).entry).not.toBeNull();
  });
});

describe("the corners of the format", () => {
  it("reads sizes and offsets from ZIP64 extra fields (Python, force_zip64)", async () => {
    const zip = pythonZip(`with zipfile.ZipFile(out, "w", allowZip64=True) as z:
    with z.open("big.txt", "w", force_zip64=True) as f:
        f.write(b"sixty-four" * 1000)
    z.writestr("small.txt", b"after")`);
    const archive = await put(zip);
    expect((await fetchEntry(archive, "big.txt")).bytes).toEqual(encode("sixty-four".repeat(1000)));
    expect((await fetchEntry(archive, "small.txt")).bytes).toEqual(encode("after"));
  });

  it("finds the end record behind a short comment, and behind one of nearly 64 KiB in a second read", async () => {
    const short = await put(
      pythonZip(`with zipfile.ZipFile(out, "w") as z:
    z.writestr("a.txt", b"a")
    z.comment = b"PK\\x05\\x06 looks like a signature"`),
    );
    expect((await fetchEntry(short, "a.txt")).bytes).toEqual(encode("a"));
    const long = await put(
      pythonZip(`with zipfile.ZipFile(out, "w") as z:
    z.writestr("a.txt", b"a" * 70000)
    z.comment = b"c" * 65535`),
    );
    const got = await fetchEntry(long, "a.txt");
    expect(got.bytes).toEqual(encode("a".repeat(70_000)));
    expect(got.lookupReads).toBe(2);
  });

  it("takes Info-ZIP's comment and refuses its encrypted entries", async () => {
    const commented = await put(infoZip({ "x.txt": "x" }, ["-z"], "an archive comment\n.\n"));
    expect((await fetchEntry(commented, "x.txt")).bytes).toEqual(encode("x"));
    const encrypted = infoZip({ "secret.txt": "secret text" }, ["-P", "password"]);
    const archive = await put(encrypted);
    const entry = (await lookupEntry(storage, archive, encode("secret.txt"))) as ZipEntry;
    await expect(openEntry(storage, archive, entry)).rejects.toBeInstanceOf(UnsupportedEntryError);
  });

  it("reads a central directory larger than the tail with exactly one more, bounded read", async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 3000; i++) files[`reports/${"x".repeat(40)}/${i}.txt`] = encode(String(i));
    const zip = zipSync(files);
    const archive = await put(zip);
    const got = await fetchEntry(archive, `reports/${"x".repeat(40)}/1234.txt`);
    expect(got.bytes).toEqual(encode("1234"));
    expect(got.lookupReads).toBe(2);
  });

  it.each([
    ["stored", true, 50_000],
    ["deflated (inflated whole)", false, 50_000],
    ["deflated (streamed)", false, WHOLE_INFLATE_MAX + 1],
  ])("errors the stream before its end when a %s entry's bytes are damaged", async (_, store, size) => {
    const payload = random(size);
    const zip = zipSync({ "d.bin": [payload, { level: store ? 0 : 6 }] });
    const at = 30 + "d.bin".length + 100;
    zip[at] = (zip[at] ?? 0) ^ 0xff;
    const archive = await put(zip);
    const entry = (await lookupEntry(storage, archive, encode("d.bin"))) as ZipEntry;
    const reader = (await openEntry(storage, archive, entry)).getReader();
    let received = 0;
    const failure = await (async () => {
      for (;;) {
        const next = await reader.read();
        if (next.done) return null;
        received += next.value.length;
      }
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CorruptEntryError);
    expect(received).toBeLessThan(payload.length);
  });

  it("reports a missing object and a non-zip object as such", async () => {
    await expect(
      lookupEntry(storage, { key: `zip-tests/${unique("none")}`, size: 100 }, encode("a")),
    ).rejects.toBeInstanceOf(ArchiveNotFoundError);
    const text = await put(encode("this is plain text and no zip archive at all, not even close"));
    await expect(lookupEntry(storage, text, encode("a"))).rejects.toBeInstanceOf(NotAZipError);
  });
});

/** Every chunk's size, reading the entry (or a range of it) to its end. */
async function chunkSizes(archive: ArchiveRef, name: string, range?: ByteRange) {
  const entry = (await lookupEntry(storage, archive, encode(name))) as ZipEntry;
  const reader = (await openEntry(storage, archive, entry, range)).getReader();
  const sizes: number[] = [];
  for (let next = await reader.read(); !next.done; next = await reader.read()) sizes.push(next.value.length);
  return sizes;
}

describe("decoding in large, bounded pieces", () => {
  // Above WHOLE_INFLATE_MAX, so streamed (about 5 MiB).
  const logs = encode(
    Array.from({ length: 120_000 }, (_, i) => `2026-11-25T03:00:${i % 60} INFO step ${i * 7919} done\n`).join(""),
  );
  const medium = logs.subarray(0, WHOLE_INFLATE_MAX);
  const blob = random(1_500_000);
  const zeros = new Uint8Array(48 * 1024 * 1024);
  let archive: ArchiveRef;
  beforeAll(async () => {
    archive = await put(
      zipSync({
        "logs.txt": [logs, { level: 6 }],
        "medium.txt": [medium, { level: 6 }],
        "blob.bin": [blob, { level: 0 }],
        "zeros.bin": [zeros, { level: 9 }],
      }),
    );
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it.each([
    ["deflated", "logs.txt", undefined],
    ["stored", "blob.bin", undefined],
    ["deflated (a range)", "logs.txt", { start: 1000, end: 1_000_000 }],
    ["stored (a range)", "blob.bin", { start: 1000, end: 1_000_000 }],
  ])("writes a %s entry in chunks of OUTPUT_CHUNK bytes or more, but the last", async (_, name, range) => {
    expect(logs.length).toBeGreaterThan(WHOLE_INFLATE_MAX);
    const sizes = await chunkSizes(archive, name, range);
    expect(sizes.length).toBeGreaterThan(1);
    expect(sizes.slice(0, -1).every((size) => size >= OUTPUT_CHUNK)).toBe(true);
    const whole = name === "logs.txt" ? logs.length : blob.length;
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(range ? range.end - range.start + 1 : whole);
  });

  it("inflates a whole deflated entry of WHOLE_INFLATE_MAX bytes or less in one call, without zlib's stream, and sends it as one chunk", async () => {
    const streams = vi.spyOn(zlib, "createInflateRaw");
    expect(await chunkSizes(archive, "medium.txt")).toEqual([medium.length]);
    // Compared as buffers: toEqual walks 4 MiB element by element for seconds.
    const whole = (await fetchEntry(archive, "medium.txt")).bytes ?? new Uint8Array(0);
    expect(Buffer.compare(whole, medium)).toBe(0);
    expect(streams).not.toHaveBeenCalled();
    // A range is still streamed: it stops inflating at its end.
    expect((await fetchEntry(archive, "medium.txt", { start: 70_000, end: 80_000 })).bytes).toEqual(
      medium.subarray(70_000, 80_001),
    );
    expect(streams).toHaveBeenCalledOnce();
  });

  it("stops inflating an entry read whole one byte past its central size, whatever it inflates to", async () => {
    // 48 MiB of zeros under a central record that says 1 MiB: small enough, by its record, to be read whole.
    const claimed = 1024 * 1024;
    const bomb = await put(
      rawZip([
        { name: "bomb.bin", content: zeros, uncompressedSize: claimed, crc32: zlib.crc32(zeros.subarray(0, claimed)) },
      ]),
    );
    const inflate = zlib.inflateRawSync;
    const outcomes: string[] = [];
    vi.spyOn(zlib, "inflateRawSync").mockImplementation((buffer, options) => {
      try {
        const out = inflate(buffer, options);
        outcomes.push(`${out.length} bytes`);
        return out;
      } catch (error) {
        outcomes.push((error as { code?: string }).code ?? String(error));
        throw error;
      }
    });
    await expect(fetchEntry(bomb, "bomb.bin")).rejects.toBeInstanceOf(CorruptEntryError);
    expect(outcomes).toEqual(["ERR_BUFFER_TOO_LARGE"]);
  });

  it("decodes a 1032:1 entry whole in chunks of at most INFLATE_CHUNK bytes (and the gathered rest), so memory does not follow the ratio", async () => {
    const entry = (await lookupEntry(storage, archive, encode("zeros.bin"))) as ZipEntry;
    expect(entry.uncompressedSize / entry.compressedSize).toBeGreaterThan(1000);
    const sizes = await chunkSizes(archive, "zeros.bin");
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(zeros.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(INFLATE_CHUNK + OUTPUT_CHUNK);
  });

  it("lets Node's zlib run ahead of the reader by a bounded amount only", async () => {
    // Node's own zlib, with what it hands out counted.
    let decoded = 0;
    const create = zlib.createInflateRaw;
    vi.spyOn(zlib, "createInflateRaw").mockImplementation((options) => {
      const inflater = create(options);
      const push = inflater.push.bind(inflater);
      inflater.push = (chunk: Buffer | null, encoding?: BufferEncoding) => {
        decoded += chunk?.length ?? 0;
        return push(chunk, encoding);
      };
      return inflater;
    });
    const entry = (await lookupEntry(storage, archive, encode("zeros.bin"))) as ZipEntry;
    const reader = (await openEntry(storage, archive, entry)).getReader();
    const first = (await reader.read()).value?.length ?? 0;
    expect(first).toBeGreaterThanOrEqual(OUTPUT_CHUNK);
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(decoded).toBeGreaterThan(first);
    // Queued in Node's stream and in the web adapter, and one chunk being filled: 48 MiB unbounded.
    expect(decoded).toBeLessThanOrEqual(first + 2 * INFLATE_AHEAD + INFLATE_CHUNK);
    await reader.cancel();
  });

  it("lets workerd's DecompressionStream run ahead of the reader by a bounded amount only", async () => {
    asWorkerd();
    // The runtime's own DecompressionStream, with what it hands out counted.
    let decoded = 0;
    class Counted {
      readonly writable: WritableStream<Uint8Array>;
      readonly readable: ReadableStream<Uint8Array>;
      constructor(format: ConstructorParameters<typeof Native>[0]) {
        const native = new Native(format);
        // node:stream/web's types, not the global ones: the same streams at runtime.
        this.writable = native.writable as unknown as WritableStream<Uint8Array>;
        const counter = new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            decoded += chunk.length;
            controller.enqueue(chunk);
          },
        });
        this.readable = (native.readable as unknown as ReadableStream<Uint8Array>).pipeThrough(counter);
      }
    }
    vi.stubGlobal("DecompressionStream", Counted);
    const entry = (await lookupEntry(storage, archive, encode("zeros.bin"))) as ZipEntry;
    const reader = (await openEntry(storage, archive, entry)).getReader();
    expect((await reader.read()).value?.length).toBe(OUTPUT_CHUNK);
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(decoded).toBeGreaterThan(0);
    expect(decoded).toBeLessThan(4 * OUTPUT_CHUNK);
    await reader.cancel();
  });

  it("falls back to fflate where the runtime has no DecompressionStream, still bounded and checked", async () => {
    asWorkerd();
    vi.stubGlobal("DecompressionStream", undefined);
    expect(Buffer.compare((await fetchEntry(archive, "logs.txt")).bytes ?? new Uint8Array(0), logs)).toBe(0);
    expect((await fetchEntry(archive, "logs.txt", { start: 5, end: 70_000 })).bytes).toEqual(logs.subarray(5, 70_001));
    const sizes = await chunkSizes(archive, "zeros.bin");
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(zeros.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_FALLBACK_BURST);
    const damaged = zipSync({ "d.txt": [logs, { level: 6 }] });
    const at = 30 + 5 + 2000;
    damaged[at] = (damaged[at] ?? 0) ^ 0x55;
    const bad = await put(damaged);
    await expect(fetchEntry(bad, "d.txt")).rejects.toBeInstanceOf(CorruptEntryError);
    // 48 MiB through fflate 2 KiB at a time: seconds alone, past 30 s on two busy cores.
  }, 120_000);
});

const find = async (archive: ArchiveRef, name: string) =>
  (await lookupEntry(storage, archive, encode(name))) as ZipEntry;

describe("small entries read whole (readWholeEntry)", () => {
  afterEach(() => vi.unstubAllGlobals());

  it.each(Object.keys(WRITERS))(
    "reads each of %s's small entries with one storage read, header to next header",
    async (writer) => {
      const archive = await put((await WRITERS[writer]?.(ENTRIES)) ?? new Uint8Array(0));
      const small = ENTRIES.filter((e) => e.data.length <= WHOLE_ENTRY_BYTES);
      expect(small.length).toBe(ENTRIES.length - 1);
      for (const e of small) {
        const entry = await find(archive, e.name);
        expect(readsWhole(entry)).toBe(true);
        reads.length = 0;
        // Node's zlib hands out a Buffer: the same bytes.
        expect(new Uint8Array(await readWholeEntry(storage, archive, entry))).toEqual(e.data);
        expect(reads).toEqual([{ key: archive.key, range: { start: entry.localHeaderOffset, end: entry.end - 1 } }]);
      }
    },
  );

  it("takes entries up to WHOLE_ENTRY_BYTES, and no read past WHOLE_ENTRY_READ", async () => {
    const archive = await put(
      zipSync({
        "at.bin": [random(WHOLE_ENTRY_BYTES), { level: 0 }],
        "past.bin": [random(WHOLE_ENTRY_BYTES + 1), { level: 0 }],
        "zeros.bin": new Uint8Array(WHOLE_ENTRY_BYTES + 1),
      }),
    );
    const at = await find(archive, "at.bin");
    expect(readsWhole(at)).toBe(true);
    expect(readsWhole(await find(archive, "past.bin"))).toBe(false);
    // Compressed to a few hundred bytes, but larger than the bound once inflated.
    expect(readsWhole(await find(archive, "zeros.bin"))).toBe(false);
    // An index that puts the next header far away (a gap in the archive) is not read whole.
    expect(readsWhole({ ...at, end: at.localHeaderOffset + WHOLE_ENTRY_READ + 1 })).toBe(false);
  });

  it.each([
    ["stored", 0],
    ["deflated", 6],
  ] as const)("refuses a damaged %s entry (CRC-32) before handing out any byte", async (_, level) => {
    const zip = zipSync({ "d.bin": [random(50_000), { level }] });
    const at = 30 + "d.bin".length + 100;
    zip[at] = (zip[at] ?? 0) ^ 0xff;
    const archive = await put(zip);
    await expect(readWholeEntry(storage, archive, await find(archive, "d.bin"))).rejects.toBeInstanceOf(
      CorruptEntryError,
    );
  });

  it("refuses an entry that inflates to more or fewer bytes than its central record says", async () => {
    const archive = await put(zipSync({ "log.txt": encode("line\n".repeat(5000)) }));
    const entry = await find(archive, "log.txt");
    // Longer: zlib stops at the record's size plus one byte (fflate, in workerd, fills that much).
    for (const uncompressedSize of [entry.uncompressedSize - 1, 0]) {
      const error = await readWholeEntry(storage, archive, { ...entry, uncompressedSize }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptEntryError);
    }
    await expect(
      readWholeEntry(storage, archive, { ...entry, uncompressedSize: entry.uncompressedSize + 1 }),
    ).rejects.toThrow(new CorruptEntryError("entry length does not match its central record"));
    asWorkerd();
    for (const uncompressedSize of [entry.uncompressedSize - 1, 0]) {
      await expect(readWholeEntry(storage, archive, { ...entry, uncompressedSize })).rejects.toThrow(
        new CorruptEntryError("entry length does not match its central record"),
      );
    }
  });

  it("refuses a local header that names another file, and an encrypted entry", async () => {
    const archive = await put(zipSync({ "a.txt": encode("a"), "b.txt": encode("b") }));
    const [a, b] = [await find(archive, "a.txt"), await find(archive, "b.txt")];
    await expect(readWholeEntry(storage, archive, { ...b, name: a.name })).rejects.toThrow(
      "local header and central record disagree on the name",
    );
    const encrypted = await put(infoZip({ "secret.txt": "secret text" }, ["-P", "password"]));
    await expect(readWholeEntry(storage, encrypted, await find(encrypted, "secret.txt"))).rejects.toBeInstanceOf(
      UnsupportedEntryError,
    );
  });

  it.each([
    ["short", -1, "short read"],
    ["long", 1, "long read"],
  ])("refuses a read that storage answers %s", async (_, extra, message) => {
    const archive = await put(zipSync({ "a.txt": encode("a".repeat(1000)) }));
    const entry = await find(archive, "a.txt");
    const wrong = wrapStorage(real, {
      read: async (_key, range) => {
        const length = (range ? range.end - range.start + 1 : archive.size) + extra;
        return new Blob([new Uint8Array(length)]).stream();
      },
    });
    const error = await readWholeEntry(wrong, archive, entry).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptEntryError);
    expect((error as Error).message).toContain(message);
  });
});
