import { deflateSync, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../functions/app";
import { DEFAULT_MAX_ARTIFACT_ENTRIES, parseConfig } from "../../../lib/platform/config";
import { MAX_DEFLATE_RATIO } from "../../../lib/zip/central-directory";
import { MAX_UNINDEXED_CENTRAL_DIRECTORY, TAIL_READ } from "../../../lib/zip/reader";
import { random, text } from "../../helpers/bytes";
import { harness, settings } from "../../helpers/harness";
import { manyEntriesZip, multipartUpload, type RawEntry, rawZip } from "../../helpers/zips";
import { uploads } from "./fixtures";

const h = harness();
const { upload, archiveRow } = uploads(h);

/** A public project's running job; `send` uploads an archive as that job's runner would. */
async function publicJob() {
  const project = await h.make.project({ visibility: "public" });
  const pipeline = await h.make.pipeline(project, { ref: "main" });
  const { job, token } = await h.make.job(pipeline, { name: "build" });
  return {
    job,
    send: (zip: Uint8Array) => upload(job, token, multipartUpload(zip)),
    /** One file by job id, `path` already URL-encoded. */
    file: (path: string) => h.fetch(h.url.jobArtifactFile(project, job, path)),
    /** One file from main's latest successful "build" (this job, once its pipeline succeeds). */
    async latest(path: string) {
      await h.make.finishPipeline(pipeline, "success");
      return h.fetch(h.url.refArtifactFile(project, "main", path, "build"));
    },
  };
}

/** A header value as the bytes on the wire (one character per byte), read as UTF-8. */
const wire = (value: string | null) => Buffer.from(value ?? "", "latin1").toString("utf8");

/** Letters and digits that do not compress, so a long name stays long in an index row. */
function randomName(length: number, suffix = ".txt"): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const bytes = random(length - suffix.length);
  return `${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("")}${suffix}`;
}

describe("entry names GitLab accepts", () => {
  it("indexes and serves names of 3,000 and 10,000 bytes (security review finding 10)", async () => {
    const long = randomName(3000);
    const longer = `dir/${randomName(9996)}`;
    const { job, send, file } = await publicJob();
    const res = await send(zipSync({ [long]: text("three"), [longer]: text("ten") }));
    expect(res.status).toBe(201);
    expect((await archiveRow(job.id))?.entries_indexed).toBe(true);
    expect(await (await file(long)).text()).toBe("three");
    expect(await (await file(encodeURI(longer))).text()).toBe("ten");
  });
});

describe("entry names with line terminators (security review finding 16)", () => {
  const names = ["crlf\r\nX-Injected: 1.txt", "line\nfeed.txt", "para\u2028sep.txt", "ünïcödé ✓.txt"];

  it.each(names)("serves %j by its exact name on both file routes, with no header injected", async (name) => {
    const { send, file, latest } = await publicJob();
    expect((await send(zipSync({ [`d/${name}`]: text(name) }))).status).toBe(201);
    for (const res of [await file(`d/${encodeURIComponent(name)}`), await latest(`d/${encodeURIComponent(name)}`)]) {
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(name);
      expect(res.headers.get("x-injected")).toBeNull();
      // Go's net/http writes CR and LF in a header value as spaces; the rest as UTF-8 bytes.
      expect(wire(res.headers.get("content-disposition"))).toBe(
        `attachment; filename="${name.replace(/[\r\n]/g, " ")}"`,
      );
    }
  });
});

const NOT_A_ZIP = { message: "400 Bad request - File is not a zip archive" };
const hello = (name = "a.txt"): RawEntry => ({ name, content: text(`hello from ${name}\n`) });
const GOOD = rawZip([hello("a.txt"), hello("b.txt")]);
const ZIP64_EXTRA_SHORT = Uint8Array.of(0x01, 0x00, 0x04, 0x00, 1, 2, 3, 4);
const zeroSignature = (zip: Uint8Array) => {
  const copy = zip.slice();
  copy.set([0, 0, 0, 0], copy.length - 22);
  return copy;
};

/**
 * Archives no zip tool would write, each refused whole at upload with GitLab's "not a zip" 400,
 * before a row or an index is written: whatever cannot be indexed exactly is never recorded.
 */
const REFUSED: [string, () => Uint8Array][] = [
  ["truncated in the middle", () => GOOD.slice(0, Math.floor(GOOD.length / 2))],
  ["truncated inside its end record", () => GOOD.slice(0, GOOD.length - 5)],
  ["no end record", () => zeroSignature(GOOD)],
  ["an end record pointing outside the file", () => rawZip([hello()], { offset: 10_000_000 })],
  ["a directory running into its end record", () => rawZip([hello()], { size: 200 })],
  ["an end record counting more entries than its directory holds", () => rawZip([hello()], { entries: 40 })],
  [
    "an end record counting fewer entries than its directory holds",
    () => rawZip([hello(), hello("b.txt")], { entries: 1 }),
  ],
  [
    "two entries sharing one local header (overlapping entries)",
    () => rawZip([hello("a.txt"), { ...hello("b.txt"), offset: 0, centralOnly: true }]),
  ],
  [
    "an entry whose compressed size runs into the next entry (sizes that lie high)",
    () => rawZip([{ ...hello("a.txt"), compressedSize: 500 }, hello("b.txt")]),
  ],
  [
    "a stored entry with two different sizes",
    () => rawZip([{ name: "s.txt", method: 0, content: text("stored"), uncompressedSize: 60 }]),
  ],
  [
    `a deflated entry claiming more than ${MAX_DEFLATE_RATIO}:1 (a zip bomb's lie)`,
    () => {
      const content = text("x".repeat(1000));
      const compressed = deflateSync(content).length;
      return rawZip([{ name: "bomb.bin", content, uncompressedSize: compressed * MAX_DEFLATE_RATIO + 1 }]);
    },
  ],
  ["a ZIP64 locator pointing at no ZIP64 end record", () => rawZip([hello()], { zip64: { recordOffset: 3 } })],
  ["a ZIP64 end record counting entries the directory lacks", () => rawZip([hello()], { zip64: { entries: 7 } })],
  ["a saturated 32-bit size without its ZIP64 field", () => rawZip([{ ...hello(), compressedSize: 0xffffffff }])],
  [
    "a ZIP64 field too short for the sizes it must hold",
    () => rawZip([{ ...hello(), compressedSize: 0xffffffff, centralExtra: ZIP64_EXTRA_SHORT }]),
  ],
  [
    "an entry overrunning the next one, behind 1 MB of 65,000-byte comments (finding 3)",
    () =>
      rawZip([
        ...Array.from({ length: 16 }, (_, i) => ({ ...hello(`f${i}`), comment: new Uint8Array(65_000).fill(99) })),
        { name: "bad", method: 0, content: text("y"), compressedSize: 1_000_000, uncompressedSize: 1_000_000 },
      ]),
  ],
];

describe("hostile archives refused at upload", () => {
  it.each(REFUSED)("%s: 400, nothing recorded, nothing kept", async (_, build) => {
    const { job, send } = await publicJob();
    const res = await send(build());
    expect(res.status).toBe(400);
    expect(await h.json(res)).toEqual(NOT_A_ZIP);
    expect(await archiveRow(job.id)).toBeUndefined();
  });

  it(`refuses ${(1_000_000).toLocaleString("en")} tiny entries past MAX_ARTIFACT_ENTRIES (${DEFAULT_MAX_ARTIFACT_ENTRIES.toLocaleString("en")}) with Workhorse's 413, before reading their directory`, async () => {
    const { job, send } = await publicJob();
    const { result: res, reads } = await h.cost(() => send(manyEntriesZip(1_000_000)));
    expect(res.status).toBe(413);
    expect(await res.text()).toBe("Request Entity Too Large\n");
    expect(reads).toEqual([]);
    expect(await archiveRow(job.id)).toBeUndefined();
  }, 120_000);
});

/** Reads a body to its end; a body that breaks off rejects with what it had by then. */
async function drain(res: Response): Promise<{ received: number; failed: boolean }> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let received = 0;
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) received += next.value.length;
    return { received, failed: false };
  } catch {
    return { received, failed: true };
  }
}

const TEXT = text("a line of text that deflates well enough to cut short\n".repeat(2000));
const compressedLength = deflateSync(TEXT).length;

describe("hostile archives GitLab accepts: 201, and Workhorse's answer for the entry", () => {
  it.each([
    ["a local header naming another file", { name: "a.txt", content: TEXT, local: { name: "b.txt" } }],
    ["a local header with another method", { name: "a.txt", content: TEXT, local: { method: 0 } }],
    ["an encrypted entry", { name: "a.txt", content: TEXT, flags: 0x801 }],
    ["an unsupported method (93, zstd)", { name: "a.txt", method: 93, stored: TEXT, uncompressedSize: TEXT.length }],
  ] as [string, RawEntry][])("%s: 500 before any byte; the archive's other files are served", async (_, entry) => {
    const { send, file } = await publicJob();
    expect((await send(rawZip([entry, hello("ok.txt")]))).status).toBe(201);
    const res = await file("a.txt");
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("Internal Server Error\n");
    expect(await (await file("ok.txt")).text()).toBe("hello from ok.txt\n");
  });

  it.each([
    ["a CRC-32 that does not match", { crc32: 0x1234 }],
    ["a compressed size that lies low", { compressedSize: compressedLength - 40 }],
    ["an uncompressed size that lies low", { uncompressedSize: TEXT.length - 100 }],
    ["an uncompressed size that lies high", { uncompressedSize: TEXT.length + 100 }],
  ] as [string, Partial<RawEntry>][])(
    "%s: 200 with the recorded length, then the body breaks off before its end (ADR 0002)",
    async (_, lie) => {
      const { send, file } = await publicJob();
      expect((await send(rawZip([{ name: "a.txt", content: TEXT, ...lie }, hello("ok.txt")]))).status).toBe(201);
      const res = await file("a.txt");
      expect(res.status).toBe(200);
      const length = Number(res.headers.get("content-length"));
      const body = await drain(res);
      expect(body.failed).toBe(true);
      expect(body.received).toBeLessThan(length);
    },
  );

  it(`serves a real bomb within ${MAX_DEFLATE_RATIO}:1 (32 MiB of zeros) whole, as GitLab does`, async () => {
    const zeros = new Uint8Array(32 * 1024 * 1024);
    const { send, file } = await publicJob();
    expect((await send(zipSync({ "zeros.bin": [zeros, { level: 9 }] }))).status).toBe(201);
    const res = await file("zeros.bin");
    expect(res.status).toBe(200);
    expect(await drain(res)).toEqual({ received: zeros.length, failed: false });
  });

  it("serves the first of duplicate names, as Workhorse's lookup does", async () => {
    const { send, file } = await publicJob();
    const zip = rawZip([
      { name: "d.txt", content: text("first") },
      { name: "d.txt", content: text("second") },
    ]);
    expect((await send(zip)).status).toBe(201);
    expect(await (await file("d.txt")).text()).toBe("first");
  });

  it.each([
    ["../escape.txt", "..%2Fescape.txt"],
    ["a/../../up.txt", "a/..%2F..%2Fup.txt"],
    ["/etc/passwd", "%2Fetc%2Fpasswd"],
    ["back\\slash\\name.txt", "back%5Cslash%5Cname.txt"],
    ["c:\\windows\\x.txt", "c%3A%5Cwindows%5Cx.txt"],
  ])("serves %j only by its exact name, never normalised", async (name, encoded) => {
    const { send, file } = await publicJob();
    expect((await send(rawZip([{ name, content: text(name) }, hello("escape.txt")]))).status).toBe(201);
    expect(await (await file(encoded)).text()).toBe(name);
    // GitLab matches names byte for byte: no normalised form of the name finds it.
    expect((await file("escape.txt")).status).toBe(200);
    expect(await (await file("escape.txt")).text()).toBe("hello from escape.txt\n");
  });

  it.each([
    ["a NUL byte", Uint8Array.of(0x61, 0x00, 0x62), "a%00b"],
    ["bytes that are not UTF-8", Uint8Array.of(0x66, 0xff, 0x2e, 0x74), "f%FF.t"],
  ])("accepts a name with %s, which no request can name: 400 for the path", async (_, name, encoded) => {
    const { send, file } = await publicJob();
    expect((await send(rawZip([{ name, content: text("x") }, hello()]))).status).toBe(201);
    expect((await file(encoded)).status).toBe(400);
    expect(await (await file("a.txt")).text()).toBe("hello from a.txt\n");
  });
});

describe("an archive recorded before every upload was indexed (security review finding 3)", () => {
  it("answers a file of a directory past MAX_UNINDEXED_CENTRAL_DIRECTORY with a 500 after one 64 KiB read", async () => {
    const comment = new Uint8Array(65_000).fill(0x63);
    const count = Math.ceil(MAX_UNINDEXED_CENTRAL_DIRECTORY / 65_000) + 1;
    const zip = rawZip(Array.from({ length: count }, (_, i) => ({ ...hello(`f${i}`), comment })));
    const { project, job } = await h.make.jobWithArchive(zip, {
      project: { visibility: "public" },
      archive: { indexed: false },
    });
    const { result: res, reads } = await h.cost(() => h.fetch(h.url.jobArtifactFile(project, job, "nonexistent")));
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("Internal Server Error\n");
    expect(reads.map((r) => (r.range ? r.range.end - r.range.start + 1 : Number.NaN))).toEqual([TAIL_READ]);
  });
});

describe("MAX_ARTIFACT_ENTRIES", () => {
  it("is read from the settings: a whole number from 1 to 1,000,000, 200,000 when unset", () => {
    const base = settings();
    expect(parseConfig(base).MAX_ARTIFACT_ENTRIES).toBe(DEFAULT_MAX_ARTIFACT_ENTRIES);
    expect(parseConfig({ ...base, MAX_ARTIFACT_ENTRIES: "3" }).MAX_ARTIFACT_ENTRIES).toBe(3);
    for (const bad of ["0", "2.5", "1000001", "many"]) {
      expect(() => parseConfig({ ...base, MAX_ARTIFACT_ENTRIES: bad })).toThrow(/MAX_ARTIFACT_ENTRIES/);
    }
  });

  it("takes an archive of exactly that many entries and refuses one more with 413", async () => {
    const config = parseConfig({ ...settings(), MAX_ARTIFACT_ENTRIES: "3" });
    const app = createApp(async () => ({ services: { ...h.services, config } }));
    const { job, token } = await h.make.job(await h.make.pipeline(await h.make.project()));
    const send = (zip: Uint8Array) =>
      app.request(h.url.uploadJobArtifacts(job), {
        method: "POST",
        headers: { "JOB-TOKEN": token },
        body: multipartUpload(zip),
      });
    const four = await send(rawZip([hello("1"), hello("2"), hello("3"), hello("4")]));
    expect(four.status).toBe(413);
    expect(await archiveRow(job.id)).toBeUndefined();
    expect((await send(rawZip([hello("1"), hello("2"), hello("3")]))).status).toBe(201);
    expect((await archiveRow(job.id))?.entries_indexed).toBe(true);
  });
});
