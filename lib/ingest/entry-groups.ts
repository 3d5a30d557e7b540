import { sha256Hex } from "../auth/tokens";
import { LISTING_KEY_CHARS } from "../web/listing";
import type { ZipEntry } from "../zip/central-directory";

/**
 * An archive's index as rows of artifact_entry_groups (schema/artifact-entries.ts): its entries
 * in the index's order, cut into groups of neighbours, each one JSON object `name -> fields`.
 */

/**
 * Entries a group holds at most. A download parses its entry's group (`->` on json): about
 * 0.09 ms of PostgreSQL's CPU at 128 entries, 0.15 ms at 512, while the upload costs the same
 * (4 times the rows, the same bytes).
 */
export const GROUP_ENTRIES = 128;
/**
 * Bytes of JSON after which a group takes no further entry: a group is at most this plus one
 * entry, which bounds what a download or a browse page reads out of one row.
 */
export const GROUP_TEXT = 16 * 1024;

/** One row of the index. */
export interface EntryGroup {
  /** The first entry's listing key (its name's first LISTING_KEY_CHARS characters). */
  readonly firstKey: string;
  /** The first entry's name digest: hex SHA-256 of its UTF-8 bytes, as downloads compute it. */
  readonly firstSha256: string;
  /** `{"name":[method,flags,crc32,compressed,uncompressed,offset,end,extra],...}` in the index's order. */
  readonly json: string;
}

interface Keyed {
  readonly path: string;
  readonly key: string;
  /** The key has a UTF-16 unit at or above 0xD800, where UTF-16 order and byte order part. */
  readonly wide: boolean;
  sha256?: string;
  readonly entry: ZipEntry;
}

/** The first LISTING_KEY_CHARS code points of `path`: PostgreSQL's left(path, 600). */
export function listingKey(path: string): string {
  if (path.length <= LISTING_KEY_CHARS) return path;
  let at = 0;
  for (let chars = 0; chars < LISTING_KEY_CHARS && at < path.length; chars++) {
    const unit = path.charCodeAt(at);
    at += unit >= 0xd800 && unit < 0xdc00 ? 2 : 1;
  }
  return path.slice(0, at);
}

/**
 * UTF-8 byte order (collate "C") of two strings that may hold surrogate pairs: a pair (U+10000
 * and up) sorts after U+E000-U+FFFF, which UTF-16 units put the other way round.
 */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 || y < 0xd800) return x - y;
    return (x >= 0xe000 ? x - 0x800 : x + 0x2000) - (y >= 0xe000 ? y - 0x800 : y + 0x2000);
  }
  return a.length - b.length;
}

const digest = (k: Keyed): string => {
  k.sha256 ??= sha256Hex(k.path);
  return k.sha256;
};

/**
 * The index's order: the listing key byte by byte, then the digest (only names sharing a key need
 * it). Equal names compare equal, so that the (stable) sort leaves them in the archive's order.
 */
function compareKeyed(a: Keyed, b: Keyed): number {
  if (a.key !== b.key) {
    if (a.wide && b.wide) return compareCodePoints(a.key, b.key);
    return a.key < b.key ? -1 : 1;
  }
  if (a.path === b.path) return 0;
  const [x, y] = [digest(a), digest(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

const WIDE = /[\uD800-\uFFFF]/;

/** Bytes a JSON member `"name":[8 numbers],` can take at most: every byte escaped as \u00XX. */
const partBytes = (nameLength: number) => 6 * nameLength + 8 * 17 + 8;

/**
 * A group's JSON, written as bytes: the names' UTF-8 as they are (escaping only `"`, `\` and
 * control characters) and the numbers digit by digit. Building it from strings cost more than
 * all the rest of indexing at 70,000 entries (number-to-string conversions and concatenations).
 */
class GroupWriter {
  private bytes = new Uint8Array(GROUP_TEXT + partBytes(0xffff));
  private at = 0;
  private readonly decoder = new TextDecoder();

  get length(): number {
    return this.at;
  }

  add(e: ZipEntry): void {
    const name = e.name;
    const bytes = this.bytes;
    let at = this.at;
    bytes[at++] = this.at === 0 ? 0x7b : 0x2c; // { or ,
    bytes[at++] = 0x22;
    if (plain(name)) {
      bytes.set(name, at);
      at += name.length;
    } else {
      at = writeEscaped(bytes, at, name);
    }
    bytes[at++] = 0x22;
    bytes[at++] = 0x3a; // :
    for (let i = 0; i < FIELDS.length; i++) {
      bytes[at++] = i === 0 ? 0x5b : 0x2c; // [ or ,
      at = writeInteger(bytes, at, e[FIELDS[i] as (typeof FIELDS)[number]]);
    }
    bytes[at++] = 0x5d; // ]
    this.at = at;
  }

  /** The group's JSON text, and an empty writer. */
  take(): string {
    this.bytes[this.at++] = 0x7d; // }
    const text = this.decoder.decode(this.bytes.subarray(0, this.at));
    this.at = 0;
    return text;
  }
}

/** A name JSON takes as it is: no `"`, `\` or control character. */
function plain(name: Uint8Array): boolean {
  for (let i = 0; i < name.length; i++) {
    const byte = name[i] as number;
    if (byte < 0x20 || byte === 0x22 || byte === 0x5c) return false;
  }
  return true;
}

/** `name` inside a JSON string: `"` and `\` escaped, control characters as \u00XX. */
function writeEscaped(bytes: Uint8Array, at: number, name: Uint8Array): number {
  for (const byte of name) {
    if (byte === 0x22 || byte === 0x5c) {
      bytes[at++] = 0x5c;
      bytes[at++] = byte;
    } else if (byte < 0x20) {
      bytes.set([0x5c, 0x75, 0x30, 0x30, HEX[byte >> 4] as number, HEX[byte & 15] as number], at);
      at += 6;
    } else {
      bytes[at++] = byte;
    }
  }
  return at;
}

/** An entry's fields in a group's JSON, in this order (schema/artifact-entries.ts). */
const FIELDS = [
  "method",
  "flags",
  "crc32",
  "compressedSize",
  "uncompressedSize",
  "localHeaderOffset",
  "end",
  "extraLength",
] as const satisfies readonly (keyof ZipEntry)[];

const HEX = Uint8Array.from("0123456789abcdef", (c) => c.charCodeAt(0));

/** Writes the decimal digits of a non-negative integer below 2^53. */
function writeInteger(bytes: Uint8Array, at: number, value: number): number {
  if (value >= 1e9) {
    const high = Math.floor(value / 1e9);
    return writeDigits(bytes, writeInteger(bytes, at, high), value - high * 1e9, 9);
  }
  let digits = 1;
  for (let bound = 10; bound <= value; bound *= 10) digits++;
  return writeDigits(bytes, at, value, digits);
}

/** `digits` decimal digits of `value` (below 10^9, so in 32-bit integer arithmetic: floating-point `%` was most of the writer's time). */
function writeDigits(bytes: Uint8Array, at: number, value: number, digits: number): number {
  let rest = value | 0;
  for (let i = at + digits - 1; i >= at; i--) {
    const quotient = (rest / 10) | 0;
    bytes[i] = 0x30 + rest - quotient * 10;
    rest = quotient;
  }
  return at + digits;
}

/**
 * The index of an archive's entries: every UTF-8-named entry (the first of duplicate names,
 * the one Workhorse would serve), in groups of at most GROUP_ENTRIES entries and GROUP_TEXT
 * bytes plus one entry.
 */
export function entryGroups(entries: readonly ZipEntry[]): EntryGroup[] {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const keyed: Keyed[] = [];
  for (const entry of entries) {
    let path: string;
    try {
      path = decoder.decode(entry.name);
    } catch {
      continue;
    }
    if (path.includes("\0")) continue;
    const key = listingKey(path);
    keyed.push({ path, key, wide: WIDE.test(key), entry });
  }
  // Sorted, a name's duplicates follow it (a Set of 70,000 names cost as much as the sort and the rest).
  keyed.sort(compareKeyed);
  const groups: EntryGroup[] = [];
  const writer = new GroupWriter();
  let first: Keyed | undefined;
  let count = 0;
  const close = () => {
    if (!first) return;
    groups.push({ firstKey: first.key, firstSha256: digest(first), json: writer.take() });
    first = undefined;
    count = 0;
  };
  let previous: Keyed | undefined;
  for (const k of keyed) {
    if (previous?.path === k.path) continue;
    previous = k;
    const e = k.entry;
    if (count >= GROUP_ENTRIES || writer.length >= GROUP_TEXT) close();
    first ??= k;
    count++;
    writer.add(e);
  }
  close();
  return groups;
}
