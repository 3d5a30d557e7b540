import { describe, expect, it } from "vitest";
import {
  boundedRange,
  MAX_RANGE_INFLATE_BYTES,
  parseRange,
  type RangeRequest,
  serveEntry,
} from "../../lib/downloads/entry";
import type { Services } from "../../lib/platform/services";
import { listEntries } from "../../lib/zip/central-directory";
import { locateCentralDirectory } from "../../lib/zip/eocd";
import { KEY, readAll, stored } from "./archive-io";
import { check, fc } from "./fuzz";
import { rangeModel } from "./range-model";
import { fflateZip } from "./zip-model";

/** Positions as clients write them: near the size, huge, past 2^53, with leading zeros. */
const position = (size: number) =>
  fc.oneof(
    fc.integer({ min: 0, max: size + 3 }).map(String),
    fc.nat().map(String),
    fc.constantFrom("0", "00", "007", "9007199254740991", "9007199254740992", "9007199254740993", "9".repeat(400)),
    fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
  );
const ows = fc.constantFrom("", "", "", " ", "\t", " \t", "\u00a0", "\u000b", "\u000c", "\u3000");

/** Range headers: well-formed ones of every shape, and near misses, and anything at all. */
const headerArb = (size: number) =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .record({
          before: ows,
          unit: fc.constantFrom("bytes", "bytes", "bytes", "Bytes", "BYTES", "byte", "items", "", "bytes "),
          specs: fc.array(
            fc.oneof(
              fc.tuple(position(size), position(size)).map(([a, b]) => `${a}-${b}`),
              position(size).map((a) => `${a}-`),
              position(size).map((b) => `-${b}`),
              fc.constantFrom("-", "", "--1", "1--2", "0-1-2", "a-b", "+1-2", "1 - 2", "0x10-", "1.5-2", "１-２"),
            ),
            { minLength: 1, maxLength: 3 },
          ),
          join: fc.constantFrom(",", ", ", " ,", ",,"),
          after: ows,
        })
        .map((h) => `${h.before}${h.unit}=${h.specs.join(h.join)}${h.after}`),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }).map((s) => `bytes=${s}`) },
  );

const sizeArb = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.nat(), fc.constantFrom(2 ** 32, 2 ** 53 - 1));

/**
 * The service's policy over the model: one range, written `bytes=first-last` without list syntax
 * or whitespace, is answered as RFC 9110 says (206 or 416); anything else, valid or not, is
 * answered whole (a server MAY ignore Range), so no header yields a range the RFC would not.
 */
function expected(header: string, size: number): RangeRequest {
  const model = rangeModel(header, size);
  if (!/^[ \t]*bytes=[0-9]*-[0-9]*[ \t]*$/.test(header)) return { kind: "none" };
  if (model.kind === "satisfiable") return { kind: "range", range: model.ranges[0] ?? { start: -1, end: -1 } };
  if (model.kind === "unsatisfiable") return { kind: "unsatisfiable" };
  return { kind: "none" };
}

describe("Range (lib/downloads/entry.ts)", () => {
  it("parseRange answers as RFC 9110 does, or ignores the header; a range always lies in [0, size)", async () => {
    await check(
      "parseRange against the RFC 9110 model",
      30_000,
      fc.property(
        sizeArb.chain((size) => fc.tuple(fc.constant(size), headerArb(size))),
        ([size, header]) => {
          const got = parseRange(header, size);
          if (got.kind === "range") {
            expect(got.range.start).toBeGreaterThanOrEqual(0);
            expect(got.range.start).toBeLessThanOrEqual(got.range.end);
            expect(got.range.end).toBeLessThan(size);
          }
          expect(got).toEqual(expected(header, size));
        },
      ),
    );
  });

  it("boundedRange keeps every range of a stored entry, and of a deflated one only within the inflate bound", async () => {
    await check(
      "boundedRange",
      5_000,
      fc.property(fc.nat(), fc.nat(), fc.constantFrom(0, 8), (a, b, method) => {
        const range = { start: Math.min(a, b), end: Math.max(a, b) };
        const entry = { method } as Parameters<typeof boundedRange>[1];
        const got = boundedRange({ kind: "range", range }, entry);
        const keep = method === 0 || range.end < MAX_RANGE_INFLATE_BYTES;
        expect(got).toEqual(keep ? { kind: "range", range } : { kind: "none" });
        expect(boundedRange({ kind: "unsatisfiable" }, entry)).toEqual({ kind: "unsatisfiable" });
      }),
    );
  });
});

describe("one file with Range (serveEntry)", () => {
  const fileArb = fc.record({
    data: fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.integer({ min: 0, max: 5000 }).map((n) => new Uint8Array(n).fill(65)),
    ),
    store: fc.boolean(),
    sniff: fc.boolean(),
    head: fc.boolean(),
    ifRange: fc.constantFrom(undefined, "match", '"other"'),
    chunk: fc.integer({ min: 1, max: 4096 }),
  });

  it("status, Content-Range, Content-Length and body agree with each other and with the bytes written", async () => {
    await check(
      "serveEntry with any Range",
      2_000,
      fc.asyncProperty(
        fileArb.chain((f) => fc.tuple(fc.constant(f), headerArb(f.data.length))),
        async ([file, header]) => {
          const zip = fflateZip([{ name: "dir/file.bin", data: file.data, store: file.store }]);
          const location = locateCentralDirectory(zip, zip.length);
          const [entry] = listEntries(
            zip.subarray(location.offset, location.offset + location.size),
            1,
            location.offset,
          );
          if (!entry) return expect.fail("no entry");
          const { storage } = stored(zip, file.chunk);
          const log = { error: () => {}, info: () => {} };
          const services = { storage, log } as unknown as Services;
          const archive = { key: KEY, size: zip.length, sha256: "0".repeat(64), fileName: "artifacts.zip" };
          const path = { text: "dir/file.bin", bytes: entry.name };
          const serve = (headers: Record<string, string>) =>
            serveEntry(services, new Request("http://x/", { method: file.head ? "HEAD" : "GET", headers }), {
              archive,
              path,
              type: file.sniff ? "sniff" : "extension",
              index: { kind: "found", entry },
            });
          // What a client can send: Headers refuse some values and trim HTTP whitespace from the rest.
          let sent: string;
          try {
            // (Characters a header cannot carry at all are dropped first, so few cases are skipped.)
            sent = new Headers({ range: header.replace(/[^\t\x20-\x7e\x80-\xff]/g, "") }).get("range") ?? "";
          } catch {
            fc.pre(false);
            return;
          }
          const etag = (await serve({ "if-none-match": '"nothing"' })).headers.get("etag") ?? "";
          const headers: Record<string, string> = { range: sent };
          if (file.ifRange) headers["if-range"] = file.ifRange === "match" ? etag : file.ifRange;
          const res = await serve(headers);
          const body = await readAll(res.body ?? new Blob([]).stream());
          const size = file.data.length;
          const wanted =
            file.ifRange === '"other"' ? { kind: "none" as const } : boundedRange(expected(sent, size), entry);
          if (wanted.kind === "unsatisfiable") {
            expect(res.status).toBe(416);
            expect(res.headers.get("content-range")).toBe(`bytes */${size}`);
            return;
          }
          const slice =
            wanted.kind === "range" ? file.data.subarray(wanted.range.start, wanted.range.end + 1) : file.data;
          expect(res.status).toBe(wanted.kind === "range" ? 206 : 200);
          if (wanted.kind === "range") {
            expect(res.headers.get("content-range")).toBe(`bytes ${wanted.range.start}-${wanted.range.end}/${size}`);
          }
          expect(res.headers.get("content-length")).toBe(String(slice.length));
          expect(body).toEqual(file.head ? new Uint8Array(0) : slice);
        },
      ),
    );
  });
});
