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
  const { job, token } = await h.make.job(await h.make.pipeline(project));
  return {
    job,
    send: (zip: Uint8Array) => upload(job, token, multipartUpload(zip)),
    file: (path: string) => h.fetch(h.url.jobArtifactFile(project, job, path)),
  };
}

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
