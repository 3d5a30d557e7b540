import { sql } from "drizzle-orm";
import type { Database } from "../../lib/platform/db";

/** One entry of an archive's index, read back out of its group (schema/artifact-entries.ts). */
export interface IndexedEntry {
  readonly path: string;
  /** [method, flags, crc32, compressed_size, uncompressed_size, local_header_offset, end_offset, extra_length] */
  readonly fields: number[];
  /** The group's first entry: its listing key and name digest. */
  readonly group: { readonly firstKey: string; readonly firstSha256: string; readonly first: boolean };
}

/** Every entry of the index of the archive stored at `storageKey`, in the index's order. */
export async function indexedEntries(db: Database, storageKey: string): Promise<IndexedEntry[]> {
  const result = await db.execute<{
    path: string;
    fields: number[];
    first_key: string;
    first_sha256: string;
    i: number;
  }>(sql`
    select e.key as path, e.value as fields, g.first_key, g.first_sha256, e.i::int as i
    from artifact_entry_groups g, json_each(g.entries) with ordinality as e(key, value, i)
    where g.storage_key = ${storageKey}
    order by g.first_key, g.first_sha256, e.i
  `);
  return result.rows.map((r) => ({
    path: r.path,
    fields: typeof r.fields === "string" ? JSON.parse(r.fields) : r.fields,
    group: { firstKey: r.first_key, firstSha256: r.first_sha256, first: Number(r.i) === 1 },
  }));
}

/** A group's JSON as the JS writer wrote it: name -> fields, in the text's order (JSON.parse puts "1" before "a"). */
export const groupMembers = (json: string): [string, number[]][] =>
  [...json.matchAll(/"((?:[^"\\]|\\.)*)":\[([^\]]*)\]/g)].map((m) => [
    JSON.parse(`"${m[1]}"`) as string,
    (m[2] ?? "").split(",").map(Number),
  ]);
