import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../lib/auth/tokens";
import { GROUP_ENTRIES, GROUP_TEXT } from "../../../lib/ingest/entry-groups";
import { type Child, listDirectory } from "../../../lib/web/listing";
import { text } from "../../helpers/bytes";
import { indexedEntries } from "../../helpers/entry-index";
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

/** The index of a job's archive, entry by entry in the index's order. */
async function indexOf(jobId: number) {
  const artifact = await archiveRow(jobId);
  return indexedEntries(h.db, artifact?.storage_key ?? "");
}

describe("the index of a large archive goes in a few statements", () => {
  it("70,000 entries: ONE INSERT of groups of neighbours, no storage read after the upload, every entry served", async () => {
    const n = 70_000;
    const prefix = "node_modules/some-package/lib/file-";
    const content = text("module.exports = 42;\n");
    const zip = manyEntriesZip(n, { prefix, content });
    const { project, job, token } = await publicJob();
    const { result: res, queries, reads } = await h.cost(() => upload(job, token, multipartUpload(zip)));
    expect(res.status).toBe(201);
    // A row per group of entries, all in one statement (a row per entry took three of 25,000).
    const inserts = queries.filter((q) => /^\s*insert\s+into\s+"?artifact_entr/i.test(q));
    expect(inserts.length).toBe(1);
    expect(queries.length).toBeLessThan(20);
    // The central directory (6 MB) was kept on its way to storage, not read back from it.
    expect(reads).toEqual([]);

    const index = await indexOf(job.id);
    const names = Array.from({ length: n }, (_, i) => `${prefix}${i.toString(36).padStart(4, "0")}`);
    expect(index.map((e) => e.path)).toEqual(names);
    const firsts = index.filter((e) => e.group.first);
    expect(firsts.length).toBe(Math.ceil(n / GROUP_ENTRIES));
    // Each group is keyed on its first entry as the download statement looks it up (lib/downloads/lookup.ts).
    expect(firsts.filter((e) => e.group.firstKey !== e.path || e.group.firstSha256 !== sha256Hex(e.path))).toEqual([]);
    for (const i of [0, 1, GROUP_ENTRIES - 1, GROUP_ENTRIES, 12_345, 65_535, 65_536, n - 1]) {
      const file = await h.fetch(fileUrl(project, job, names[i] ?? ""));
      expect(file.status).toBe(200);
      expect(new Uint8Array(await file.arrayBuffer())).toEqual(content);
    }
  }, 120_000);

  // Guards the groups' JSON (quotes, backslashes, braces, commas, "NULL", names like numbers).
  it("names that need quoting in JSON or look like numbers are indexed in byte order and served byte for byte", async () => {
    const names = [
      'say "hi".txt',
      "back\\slash.txt",
      "{braces}.txt",
      "a,b.txt",
      "NULL",
      "10",
      "2",
      "sp ace.txt",
      "ünï/cödé ✓.txt",
    ];
    const zip = rawZip(names.map((name) => ({ name, content: text(`content of ${name}`) })));
    const { project, job, token } = await publicJob();
    expect((await upload(job, token, multipartUpload(zip))).status).toBe(201);
    const index = await indexOf(job.id);
    expect(index.map((e) => e.path)).toEqual([...names].sort());
    for (const name of names) {
      const file = await h.fetch(fileUrl(project, job, name));
      expect(file.status).toBe(200);
      expect(await file.text()).toBe(`content of ${name}`);
    }
  });

  it("names that share their first 600 characters, over several groups that start alike: each one served, a near miss a 404", async () => {
    const prefix = `t/${"x".repeat(598)}`;
    const names = Array.from({ length: 300 }, (_, i) => `${prefix}${"y".repeat(100)}${i}`);
    const zip = rawZip(names.map((name, i) => ({ name, content: text(`file ${i}`), method: 0 })));
    const { project, job, token } = await publicJob();
    expect((await upload(job, token, multipartUpload(zip))).status).toBe(201);
    const firsts = (await indexOf(job.id)).filter((e) => e.group.first);
    expect(firsts.length).toBeGreaterThan(2);
    expect(new Set(firsts.map((e) => e.group.firstKey))).toEqual(new Set([prefix]));
    expect(names.length * (prefix.length + 150)).toBeGreaterThan(2 * GROUP_TEXT);
    for (const i of [0, 1, 99, 150, 298, 299]) {
      const file = await h.fetch(fileUrl(project, job, names[i] ?? ""));
      expect(file.status).toBe(200);
      expect(await file.text()).toBe(`file ${i}`);
    }
    expect((await h.fetch(fileUrl(project, job, `${prefix}${"y".repeat(100)}300`))).status).toBe(404);
  });

  it("a directory over several groups browses page by page: every child once in byte order, one statement a page", async () => {
    const names = [
      "a.txt",
      ...Array.from({ length: 1000 }, (_, i) => `big/f${String(i).padStart(4, "0")}.txt`),
      ...Array.from({ length: 1200 }, (_, i) => `big/sub/x${String(i).padStart(4, "0")}`),
      "big/sub0.txt",
      // A directory with no entry of its own, after one that fills groups.
      ...Array.from({ length: 700 }, (_, i) => `big/zz/y${i}`),
      "c/d.txt",
    ];
    const zip = rawZip([...names].reverse().map((name) => ({ name, content: text("x"), method: 0 })));
    const { job } = await publicJob();
    const { key } = await h.make.archive(job, zip);
    const list = async (directory: string, after?: string) => {
      const { result, queries } = await h.cost(() =>
        listDirectory(h.db, { jobId: job.id, storageKey: key, directory, after }),
      );
      expect(queries).toHaveLength(1);
      return result;
    };
    const shown = (children: readonly Child[]) => children.map((c) => (c.directory ? `${c.name}/` : c.name));
    expect(shown((await list("")).children)).toEqual(["a.txt", "big/", "c/"]);

    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await list("big/", after);
      seen.push(...shown(page.children));
      after = page.next ?? undefined;
      pages++;
    } while (after && pages < 10);
    const files = Array.from({ length: 1000 }, (_, i) => `f${String(i).padStart(4, "0")}.txt`);
    expect(seen).toEqual([...files, "sub/", "sub0.txt", "zz/"]);
    expect(pages).toBe(6);
    expect((await list("big/sub/")).children).toHaveLength(200);
    expect((await list("big/sub/", "x1100")).children.map((c) => c.name)).toEqual(
      Array.from({ length: 99 }, (_, i) => `x${1101 + i}`),
    );
  });

  it("two uploads to one job at once: the index is the recorded archive's, whole, never a mix", async () => {
    const { project, job, token } = await publicJob();
    const names = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => `${prefix}${i.toString(36).padStart(4, "0")}`);
    const zips = {
      a: manyEntriesZip(3000, { prefix: "a/", content: text("from a") }),
      b: manyEntriesZip(2000, { prefix: "b/", content: text("from b") }),
    };
    const answers = await Promise.all([zips.a, zips.b].map((zip) => upload(job, token, multipartUpload(zip))));
    expect(answers.map((res) => res.status)).toEqual([201, 201]);
    const recorded = (await archiveRow(job.id))?.size === zips.a.length ? "a" : "b";
    const expected = recorded === "a" ? names("a/", 3000) : names("b/", 2000);
    expect((await indexOf(job.id)).map((e) => e.path)).toEqual(expected);
    const file = await h.fetch(fileUrl(project, job, expected[1234] ?? ""));
    expect(await file.text()).toBe(`from ${recorded}`);
    // The replaced archive's index went with its object: only the recorded key's is left.
    const indexed = await h.db.execute<{ storage_key: string }>(
      sql`select distinct storage_key from artifact_entry_groups where storage_key like ${`artifacts/${project.id}/${job.id}/%`}`,
    );
    expect(indexed.rows.map((r) => r.storage_key)).toEqual([(await archiveRow(job.id))?.storage_key]);
  });
});
