import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../lib/auth/tokens";
import { entryGroups, GROUP_ENTRIES, GROUP_TEXT, listingKey } from "../../../lib/ingest/entry-groups";
import type { ZipEntry } from "../../../lib/zip/central-directory";
import { groupMembers } from "../../helpers/entry-index";

const utf8 = new TextEncoder();

/** An entry named `name` whose fields are all `n`, so each can be told apart in the JSON. */
const entry = (name: string | Uint8Array, n = 1): ZipEntry => ({
  name: typeof name === "string" ? utf8.encode(name) : name,
  method: n,
  flags: n,
  crc32: n,
  compressedSize: n,
  uncompressedSize: n,
  localHeaderOffset: n,
  end: n,
  extraLength: n,
});

const parsed = (entries: ZipEntry[]) => entryGroups(entries).map((g) => ({ ...g, entries: groupMembers(g.json) }));

/** UTF-8 byte order, PostgreSQL's collate "C". */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe("entryGroups", () => {
  it("orders names byte by byte: a character past U+FFFF after U+E000-U+FFFF, unlike UTF-16", () => {
    const names = ["b", "\u{1F600}.txt", "\uFFFD.txt", "\uE000.txt", "a/b", "a0", "a", "Z", "é"];
    const [group] = parsed(names.map((name) => entry(name)));
    expect(group?.entries.map(([name]) => name)).toEqual([...names].sort(byteOrder));
    expect(group?.firstKey).toBe("Z");
    expect(group?.firstSha256).toBe(sha256Hex("Z"));
  });

  it("keeps the first of duplicate names, leaves out names that are not UTF-8 or hold NUL, escapes what JSON must", () => {
    const names = ['say "hi"', "back\\slash", "tab\there", "\u0001ctl", "1", "10", "2"];
    const entries = [
      ...names.map((name) => entry(name, 1)),
      entry("1", 2),
      entry(Uint8Array.of(0x66, 0xff)),
      entry("nul\0x"),
    ];
    const [group] = parsed(entries);
    expect(group?.entries).toEqual([...names].sort(byteOrder).map((name) => [name, Array(8).fill(1)]));
  });

  it("writes numbers up to 2^53 exactly", () => {
    const big: ZipEntry = {
      ...entry("x"),
      crc32: 0xffffffff,
      localHeaderOffset: 2 ** 53 - 1,
      end: 1e9,
      compressedSize: 999_999_999,
      uncompressedSize: 0,
    };
    const [group] = parsed([big]);
    expect(group?.entries[0]?.[1]).toEqual([1, 1, 0xffffffff, 999_999_999, 0, 2 ** 53 - 1, 1e9, 1]);
  });

  it("cuts groups at GROUP_ENTRIES entries or GROUP_TEXT bytes, each keyed on its first entry", () => {
    const short = Array.from({ length: 2 * GROUP_ENTRIES + 1 }, (_, i) => `f${String(i).padStart(5, "0")}`);
    expect(parsed(short.map((name) => entry(name))).map((g) => g.entries.length)).toEqual([
      GROUP_ENTRIES,
      GROUP_ENTRIES,
      1,
    ]);
    const long = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(2, "0")}${"x".repeat(10_000)}`);
    const groups = entryGroups(long.map((name) => entry(name)));
    expect(groups.length).toBeGreaterThan(1);
    for (const g of groups) expect(utf8.encode(g.json).length).toBeLessThan(GROUP_TEXT + 10_100);
    expect(groups.map((g) => g.firstKey)).toEqual(groups.map((g) => listingKey(groupMembers(g.json)[0]?.[0] ?? "")));
  });

  it("orders names that share their first 600 characters by digest, as the download statement looks them up", () => {
    const prefix = "p/".repeat(300);
    const names = Array.from({ length: 5 }, (_, i) => `${prefix}${i}`);
    const [group] = parsed(names.map((name) => entry(name)));
    const digests = names.map(sha256Hex).sort();
    expect(group?.entries.map(([name]) => sha256Hex(name))).toEqual(digests);
    expect(group?.firstKey).toBe(prefix);
    expect(group?.firstSha256).toBe(digests[0]);
  });
});

describe("listingKey", () => {
  it("is the first 600 code points, as PostgreSQL's left(name, 600): a pair of surrogates is one", () => {
    expect(listingKey("short")).toBe("short");
    const astral = "\u{1F600}".repeat(700);
    expect([...listingKey(astral)]).toHaveLength(600);
    expect(listingKey(`${"a".repeat(599)}\u{1F600}b`)).toBe(`${"a".repeat(599)}\u{1F600}`);
  });
});
