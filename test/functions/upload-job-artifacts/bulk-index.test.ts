import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../lib/auth/tokens";
import { artifactEntries } from "../../../schema";
import { text } from "../../helpers/bytes";
import { harness } from "../../helpers/harness";
import { manyEntriesZip, multipartUpload, rawZip } from "../../helpers/zips";
import { uploads } from "./fixtures";

const h = harness();
const { upload, archiveRow } = uploads(h);

/** A running job of a new public project, so its files are served to anyone. */
async function publicJob() {
  const project = await h.make.project({ visibility: "public" });
  return { project, ...(await h.make.job(await h.make.pipeline(project))) };
}

const fileUrl = (project: { id: number }, job: { id: number }, path: string) =>
  h.url.jobArtifactFile(project, job, path.split("/").map(encodeURIComponent).join("/"));

/** The index's rows of a job's archive: path to its key. */
async function indexOf(jobId: number): Promise<Map<string, string>> {
  const artifact = await archiveRow(jobId);
  const rows = await h.db
    .select({ path: artifactEntries.path, key: artifactEntries.path_sha256 })
    .from(artifactEntries)
    .where(eq(artifactEntries.artifact_id, artifact?.id ?? 0));
  return new Map(rows.map((r) => [r.path, r.key]));
}

describe("the index of a large archive goes in a few statements", () => {
  it("70,000 entries: at most 3 INSERT statements (70 in batches of 1,000), every entry keyed as downloads look it up and served", async () => {
    const n = 70_000;
    const prefix = "node_modules/some-package/lib/file-";
    const content = text("module.exports = 42;\n");
    const zip = manyEntriesZip(n, { prefix, content });
    const { project, job, token } = await publicJob();
    const { result: res, queries } = await h.cost(() => upload(job, token, multipartUpload(zip)));
    expect(res.status).toBe(201);
    const inserts = queries.filter((q) => /^\s*insert\s+into\s+"?artifact_entries"?/i.test(q));
    expect(inserts.length).toBeGreaterThan(0);
    expect(inserts.length).toBeLessThanOrEqual(3);
    expect(queries.length).toBeLessThan(20);

    const index = await indexOf(job.id);
    expect(index.size).toBe(n);
    const names = Array.from({ length: n }, (_, i) => `${prefix}${i.toString(36).padStart(4, "0")}`);
    // The key of every entry is the one the download statement computes (lib/downloads/lookup.ts).
    expect(names.filter((name) => index.get(name) !== sha256Hex(name))).toEqual([]);
    for (const i of [0, 1, 12_345, 65_535, 65_536, n - 1]) {
      const file = await h.fetch(fileUrl(project, job, names[i] ?? ""));
      expect(file.status).toBe(200);
      expect(new Uint8Array(await file.arrayBuffer())).toEqual(content);
    }
  }, 120_000);

  // Guards the array parameters' encoding (quotes, backslashes, braces, commas, "NULL").
  it("names that need quoting in an array literal are indexed and served byte for byte", async () => {
    const names = [
      'say "hi".txt',
      "back\\slash.txt",
      "{braces}.txt",
      "a,b.txt",
      "NULL",
      "sp ace.txt",
      "ünï/cödé ✓.txt",
    ];
    const zip = rawZip(names.map((name) => ({ name, content: text(`content of ${name}`) })));
    const { project, job, token } = await publicJob();
    expect((await upload(job, token, multipartUpload(zip))).status).toBe(201);
    const index = await indexOf(job.id);
    expect([...index.keys()].sort()).toEqual([...names].sort());
    for (const name of names) {
      expect(index.get(name)).toBe(sha256Hex(name));
      const file = await h.fetch(fileUrl(project, job, name));
      expect(file.status).toBe(200);
      expect(await file.text()).toBe(`content of ${name}`);
    }
  });
});
