import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { migrate } from "drizzle-orm/neon-serverless/migrator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../lib/auth/tokens";
import { lookupDownload } from "../../lib/downloads/lookup";
import { entryGroups, GROUP_ENTRIES, GROUP_TEXT, listingKey } from "../../lib/ingest/entry-groups";
import { MIGRATIONS } from "../../lib/local/migrate";
import { nodeWebSocket } from "../../lib/local/node-websocket";
import { openDatabase, type PoolDatabase } from "../../lib/platform/db";
import { type Child, listDirectory } from "../../lib/web/listing";
import type { ZipEntry } from "../../lib/zip/central-directory";
import { jobArtifacts } from "../../schema";
import { groupMembers, indexedEntries } from "../helpers/entry-index";
import { factories } from "../helpers/factories";
import { settings } from "../helpers/harness";
import { unique } from "../helpers/unique";

/**
 * Migration 0006 turns the index of a row per entry (artifact_entries, 0002/0004/0005) into
 * artifact_entry_groups. Here a fresh database gets the migrations up to 0005, old-style rows,
 * then the rest; the app's own download lookup and browse listing must then read every entry
 * back, and the groups must hold the entries in the order the upload's writer puts them.
 */

const LAST_OLD = "0005_entry_listing";
const utf8 = new TextEncoder();

type Fields = Omit<ZipEntry, "name">;
interface OldEntry {
  readonly path: string;
  readonly fields: Fields;
}

/** Old rows for `paths`, with the fields a zip of them would have (offsets in order, some past 4 GiB). */
function oldEntries(paths: readonly string[]): OldEntry[] {
  let offset = 0;
  return paths.map((path, i) => {
    const zip64 = i % 97 === 5;
    const uncompressedSize = zip64 ? 5_000_000_000 + i : 1000 + 37 * i;
    const compressedSize = i % 2 ? Math.floor(uncompressedSize / 3) : uncompressedSize;
    const extraLength = zip64 ? 20 : 0;
    const localHeaderOffset = offset;
    offset += 30 + utf8.encode(path).length + extraLength + compressedSize;
    const fields = {
      method: i % 2 ? 8 : 0,
      flags: i % 3 ? 0x808 : 0,
      crc32: Math.imul(i + 1, 2654435761) >>> 0,
      compressedSize,
      uncompressedSize,
      localHeaderOffset,
      end: offset,
      extraLength,
    };
    return { path, fields };
  });
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const pad = (i: number) => String(i).padStart(3, "0");

/** 600 characters every name under same/ starts with: they differ only past the listing key. */
const SHARED = `same/${"s".repeat(595)}`;
const DIR_FILES = range(300).map((i) => `dir/file-${pad(i)}-${"n".repeat(40 + (i % 80))}.txt`);
const UNICODE = ["u/z.txt", "u/é.txt", "u/\uE000.txt", "u/\uFFFD.txt", "u/\u{1F600}.txt", "u/\u{10FFFF}.txt"];
const LONG = `deep/${"y".repeat(2995)}`;
const WIDE_LONG = `deep/${"\u{1F600}".repeat(1000)}`;
const MAIN_PATHS = [
  "dir/",
  ...DIR_FILES,
  "dir/sub/a.txt",
  "dir/sub/b/c.txt",
  "Dir/upper.txt",
  "dir-dash.txt",
  "dir.txt",
  "dir0",
  ...range(40).map((i) => `${SHARED}${i}`),
  ...range(200).map((i) => `tiny/${i}`),
  "q/",
  'q/say "hi".txt',
  "q/back\\slash.txt",
  'q/\\"both\\".txt',
  "q/tab\there.txt",
  ...UNICODE,
  LONG,
  WIDE_LONG,
];
/** A second archive, some of whose names are the first one's: groups never span two artifacts. */
const OTHER_PATHS = [...range(150).map((i) => `other/${pad(i)}`), "dir/", "dir.txt", LONG];

/** A temporary copy of the migrations whose journal ends at `last`. */
function migrationsUpTo(last: string): { folder: string; remove: () => void } {
  const folder = mkdtempSync(join(tmpdir(), "artifact-edge-migrations-"));
  cpSync(MIGRATIONS, folder, { recursive: true });
  const journalPath = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  const end = journal.entries.findIndex((e) => e.tag === last);
  if (end < 0) throw new Error(`no migration ${last}`);
  journal.entries = journal.entries.slice(0, end + 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  return { folder, remove: () => rmSync(folder, { recursive: true, force: true }) };
}

const run = settings();
const route = { wsProxy: run.DATABASE_WS_PROXY, webSocket: nodeWebSocket };
const name = unique("migrations").replace(/-/g, "_");
const admin = openDatabase(run.DATABASE_URL ?? "", { max: 1, route });
let database: ReturnType<typeof openDatabase> | undefined;
let db: PoolDatabase;
interface OldArchive {
  readonly jobId: number;
  readonly projectId: number;
  readonly storageKey: string;
  readonly artifactId: number;
  readonly entries: readonly OldEntry[];
}
const archives: OldArchive[] = [];

/** A database of its own: ordered by an ICU collation when the server has one, so only `collate "C"` gives byte order. */
async function createDatabase(): Promise<string> {
  try {
    await admin.db.execute(
      sql.raw(`create database "${name}" template template0 locale_provider icu icu_locale 'en-US'`),
    );
  } catch {
    await admin.db.execute(sql.raw(`create database "${name}"`));
  }
  const url = new URL(run.DATABASE_URL ?? "");
  url.pathname = `/${name}`;
  return url.toString();
}

/** An archive recorded (indexed) before 0006: job_artifacts row and a row per entry, in no particular order. */
async function oldArchive(paths: readonly string[]) {
  const make = factories(db);
  const project = await make.project();
  const { job } = await make.job(await make.pipeline(project));
  const storageKey = unique("archive");
  const [row] = await db
    .insert(jobArtifacts)
    .values({
      project_id: project.id,
      job_id: job.id,
      file_type: "archive",
      file_format: "zip",
      file_name: "artifacts.zip",
      storage_key: storageKey,
      size: 1,
      sha256: sha256Hex(storageKey),
      entries_indexed: true,
    })
    .returning();
  if (!row) throw new Error("no artifact");
  const entries = oldEntries(paths);
  // Inserted by digest, so the table's physical order is not the index's.
  const shuffled = [...entries].sort((a, b) => (sha256Hex(a.path) < sha256Hex(b.path) ? -1 : 1));
  const values = shuffled.map(
    ({ path, fields: f }) =>
      sql`(${row.id}, ${path}, ${f.method}, ${f.flags}, ${f.crc32}, ${f.compressedSize}, ${f.uncompressedSize},
        ${f.localHeaderOffset}, ${f.end}, ${f.extraLength}, encode(sha256(convert_to(${path}::text, 'UTF8')), 'hex'))`,
  );
  await db.execute(sql`insert into artifact_entries (artifact_id, path, method, flags, crc32, compressed_size,
    uncompressed_size, local_header_offset, end_offset, extra_length, path_sha256) values ${sql.join(values, sql`, `)}`);
  archives.push({ jobId: job.id, projectId: project.id, storageKey, artifactId: row.id, entries });
}

beforeAll(async () => {
  database = openDatabase(await createDatabase(), { max: 4, route });
  db = database.db;
  const old = migrationsUpTo(LAST_OLD);
  try {
    await migrate(db, { migrationsFolder: old.folder });
  } finally {
    old.remove();
  }
  await oldArchive(MAIN_PATHS);
  await oldArchive(OTHER_PATHS);
  // Names as the old code keyed them: the digest the application computes.
  const digests = await db.execute<{ path: string; path_sha256: string }>(
    sql`select path, path_sha256 from artifact_entries where path in (${LONG}, ${WIDE_LONG}, 'u/\u{1F600}.txt')`,
  );
  for (const r of digests.rows) expect(r.path_sha256).toBe(sha256Hex(r.path));
  await migrate(db, { migrationsFolder: MIGRATIONS });
});

afterAll(async () => {
  await database?.close();
  await admin.db.execute(sql.raw(`drop database if exists "${name}" with (force)`));
  await admin.close();
});

function archiveAt(i: number): OldArchive {
  const archive = archives[i];
  if (!archive) throw new Error("no archive");
  return archive;
}
const main = () => archiveAt(0);
const other = () => archiveAt(1);

async function lookup(archive: OldArchive, path: string) {
  const download = await lookupDownload(db, {
    credentials: { bearer: undefined, access: undefined, job: undefined },
    adminToken: "unused",
    projectId: String(archive.projectId),
    target: { jobId: archive.jobId },
    entryPath: path,
  });
  return download.entry;
}

describe("migration 0006 (a row per entry -> groups of entries)", () => {
  it("leaves no row-per-entry table behind", async () => {
    const left = await db.execute<{ t: string | null }>(sql`select to_regclass('artifact_entries')::text as t`);
    expect(left.rows[0]?.t).toBeNull();
  });

  it("finds every old entry with its exact fields through the download lookup", async () => {
    for (const archive of archives) {
      const found = await Promise.all(archive.entries.map(({ path }) => lookup(archive, path)));
      expect(found).toEqual(archive.entries.map(({ fields }) => ({ kind: "found", entry: fields })));
    }
  });

  it("finds no near miss: another suffix past the shared 600 characters, a prefix, another case, another archive's name", async () => {
    const misses = [
      `${SHARED}40`,
      `${SHARED}`,
      `${LONG}y`,
      LONG.slice(0, -1),
      `${WIDE_LONG.slice(0, -2)}\u{1F601}`,
      "dir",
      "dir/sub",
      "DIR.TXT",
      "u/\u{1F601}.txt",
      'q/say "hi"',
      "q/back/slash.txt",
      "other/000",
      `${DIR_FILES[150]}x`,
    ];
    expect(await Promise.all(misses.map((path) => lookup(main(), path)))).toEqual(
      misses.map(() => ({ kind: "missing" })),
    );
    expect(await lookup(other(), "other/000")).toMatchObject({ kind: "found" });
    expect(await lookup(other(), "tiny/0")).toEqual({ kind: "missing" });
  });

  const size = (path: string) => main().entries.find((e) => e.path === path)?.fields.uncompressedSize ?? -1;
  const file = (path: string, directory: string): Child => ({
    name: path.slice(directory.length),
    directory: false,
    size: size(path),
  });
  const dir = (childName: string): Child => ({ name: childName, directory: true, size: null });
  const list = (directory: string, after?: string) =>
    listDirectory(db, { jobId: main().jobId, storageKey: main().storageKey, directory, after });

  it("lists the root and a directory of other characters in byte order", async () => {
    expect((await list("")).children).toEqual([
      dir("Dir"),
      dir("deep"),
      file("dir-dash.txt", ""),
      file("dir.txt", ""),
      dir("dir"),
      file("dir0", ""),
      dir("q"),
      dir("same"),
      dir("tiny"),
      dir("u"),
    ]);
    expect((await list("u/")).children).toEqual(UNICODE.map((path) => file(path, "u/")));
    expect((await list("q/")).children).toEqual(
      ['q/\\"both\\".txt', 'q/say "hi".txt', "q/back\\slash.txt", "q/tab\there.txt"]
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
        .map((path) => file(path, "q/")),
    );
  });

  it("lists a directory of several groups a page at a time", async () => {
    const expected = [...DIR_FILES.map((path) => file(path, "dir/")), dir("sub")];
    const first = await list("dir/");
    expect(first.children).toEqual(expected.slice(0, 200));
    expect(first.next).toBe(expected[199]?.name);
    const second = await list("dir/", first.next ?? "");
    expect(second.children).toEqual(expected.slice(200));
    expect(second.next).toBeNull();
  });

  it("holds the entries in the JS writer's order, in groups within its bounds", async () => {
    for (const archive of archives) {
      const migrated = await indexedEntries(db, archive.storageKey);
      const written = entryGroups(archive.entries.map(({ path, fields }) => ({ name: utf8.encode(path), ...fields })));
      // The same entries in the same order, field for field.
      expect(migrated.map((e) => [e.path, e.fields])).toEqual(written.flatMap((g) => groupMembers(g.json)));
      // Each group keyed on its first entry, at most GROUP_ENTRIES entries and GROUP_TEXT bytes of
      // compact JSON before its last entry. The cuts themselves differ: the migration
      // estimates a name's JSON as its bytes + 64 and counts entries from the archive's first.
      const groups: (typeof migrated)[] = [];
      for (const e of migrated) {
        if (e.group.first) groups.push([]);
        groups.at(-1)?.push(e);
      }
      expect(groups.length).toBeGreaterThan(1);
      for (const members of groups) {
        const [head] = members;
        expect(head?.group.firstKey).toBe(listingKey(head?.path ?? ""));
        expect(head?.group.firstSha256).toBe(sha256Hex(head?.path ?? ""));
        expect(members.length).toBeLessThanOrEqual(GROUP_ENTRIES);
        const before = members
          .slice(0, -1)
          .reduce(
            (bytes, e) => bytes + 1 + utf8.encode(JSON.stringify(e.path)).length + 1 + JSON.stringify(e.fields).length,
            1,
          );
        expect(before).toBeLessThan(GROUP_TEXT);
      }
    }
  });
});
