import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { random, text } from "../../helpers/bytes";
import { harness } from "../../helpers/harness";
import { multipartUpload } from "../../helpers/zips";
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
