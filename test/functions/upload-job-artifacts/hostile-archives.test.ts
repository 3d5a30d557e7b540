import { deflateSync, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_ARTIFACT_ENTRIES } from "../../../lib/platform/config";
import { MAX_DEFLATE_RATIO } from "../../../lib/zip/central-directory";
import { random, text } from "../../helpers/bytes";
import { harness } from "../../helpers/harness";
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
