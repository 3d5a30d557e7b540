import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { type CentralRecord, listEntries } from "../../../lib/zip/central-directory";
import { scanRecords } from "../../../lib/zip/directory-scan";
import { locateCentralDirectory } from "../../../lib/zip/eocd";
import { ZipLimitError } from "../../../lib/zip/errors";
import {
  type ArchiveRef,
  indexArchive,
  lookupEntry,
  MAX_UNINDEXED_CENTRAL_DIRECTORY,
  TAIL_READ,
} from "../../../lib/zip/reader";
import { text } from "../../helpers/bytes";
import { countingStorage, type StorageRead } from "../../helpers/counting-storage";
import { harness, unique } from "../../helpers/harness";
import { rawZip } from "../../helpers/zips";

const { storage: real } = harness();
const reads: StorageRead[] = [];
const storage = countingStorage(real, (read) => reads.push(read));
/** Bytes storage sent for the reads recorded since `reads` was last emptied. */
const bytesRead = () => reads.reduce((n, r) => n + (r.range ? r.range.end - r.range.start + 1 : Number.NaN), 0);

async function put(bytes: Uint8Array): Promise<ArchiveRef> {
  const key = `zip-tests/${unique("hostile")}.zip`;
  await real.upload(key, new Blob([bytes]).stream(), "application/zip");
  return { key, size: bytes.length };
}

/** `count` small entries, each with a 65,000-byte comment: a large directory in a small archive. */
function commentedZip(count: number): Uint8Array {
  const comment = new Uint8Array(65_000).fill(0x63);
  return rawZip(Array.from({ length: count }, (_, i) => ({ name: `f${i}.txt`, content: text(`${i}`), comment })));
}

describe("a central directory read per request, for archives without an index (security review finding 3)", () => {
  it(`stops past MAX_UNINDEXED_CENTRAL_DIRECTORY (${MAX_UNINDEXED_CENTRAL_DIRECTORY} bytes) after the tail read alone`, async () => {
    const zip = commentedZip(Math.ceil(MAX_UNINDEXED_CENTRAL_DIRECTORY / 65_046) + 1);
    const archive = await put(zip);
    reads.length = 0;
    await expect(lookupEntry(storage, archive, text("nonexistent"))).rejects.toBeInstanceOf(ZipLimitError);
    expect(reads).toHaveLength(1);
    expect(bytesRead()).toBe(TAIL_READ);
  });

  it("scans a directory under the bound from one streamed read of the part the tail lacks, and no more", async () => {
    const count = Math.floor(MAX_UNINDEXED_CENTRAL_DIRECTORY / 65_046) - 1;
    const zip = commentedZip(count);
    const archive = await put(zip);
    const location = locateCentralDirectory(zip.subarray(zip.length - TAIL_READ), zip.length);
    reads.length = 0;
    const entry = await lookupEntry(storage, archive, text(`f${count - 1}.txt`));
    expect(entry?.localHeaderOffset).toBeGreaterThan(0);
    expect(reads).toHaveLength(2);
    expect(bytesRead()).toBe(TAIL_READ + (zip.length - TAIL_READ - location.offset));
    expect(bytesRead()).toBeLessThanOrEqual(TAIL_READ + MAX_UNINDEXED_CENTRAL_DIRECTORY);
  });
});

describe("scanning a central directory in chunks", () => {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < 200; i++) files[`dir/${"n".repeat(i % 50)}${i}.txt`] = text(`file ${i}`);
  const zip = zipSync(files);
  const location = locateCentralDirectory(zip.subarray(Math.max(0, zip.length - TAIL_READ)), zip.length);
  const directory = zip.subarray(location.offset, location.offset + location.size);

  async function* chunksOf(bytes: Uint8Array, size: number) {
    for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
  }

  it.each([1, 7, 46, 4096])("finds every record whatever the chunk size (%i bytes), as in one buffer", async (size) => {
    const names: string[] = [];
    let largest = 0;
    const consumed = await scanRecords(chunksOf(directory, size), location, (record: CentralRecord, buffer) => {
      largest = Math.max(largest, buffer.length);
      names.push(new TextDecoder().decode(buffer.subarray(record.nameAt, record.nameAt + record.nameLength)));
    });
    expect(consumed).toBe(location.size);
    const whole = listEntries(directory, location.entries, location.offset);
    expect(names).toEqual(whole.map((e) => new TextDecoder().decode(e.name)));
    // What it holds at a time: one chunk and the start of a record (at most 46 + 3 × 65,535 bytes).
    expect(largest).toBeLessThanOrEqual(size + 46 + 3 * 65_535);
  });

  it("indexes at upload from the kept tail plus one streamed read of the rest of the directory", async () => {
    const big: Record<string, Uint8Array> = {};
    for (let i = 0; i < 3000; i++) big[`reports/${"x".repeat(40)}/${i}.txt`] = text(String(i));
    const many = zipSync(big);
    const tail = many.slice(many.length - TAIL_READ);
    const at = locateCentralDirectory(tail, many.length);
    const archive = await put(many);
    reads.length = 0;
    const entries = await indexArchive(storage, archive, { location: at, tail }, 200_000);
    expect(entries).toHaveLength(3000);
    expect(reads).toHaveLength(1);
    expect(bytesRead()).toBe(many.length - TAIL_READ - at.offset);
  });

  it("refuses an archive past the entry limit before reading its directory", async () => {
    const zip = zipSync({ "a.txt": text("a"), "b.txt": text("b"), "c.txt": text("c") });
    const archive = await put(zip);
    const location = locateCentralDirectory(zip, zip.length);
    reads.length = 0;
    await expect(indexArchive(storage, archive, { location, tail: zip }, 2)).rejects.toBeInstanceOf(ZipLimitError);
    expect(reads).toEqual([]);
  });
});
