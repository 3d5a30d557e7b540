import { customType, json, pgTable, primaryKey } from "drizzle-orm/pg-core";

/** Text compared byte for byte (collate "C"), the order the index and the browse walk use. */
const byteText = customType<{ data: string }>({ dataType: () => 'text collate "C"' });

/**
 * An archive's central directory, indexed at upload (as GitLab keeps metadata.gz): with it, one
 * file out of the zip costs the download's one SQL statement and one bounded storage read.
 * Names that are not UTF-8 are left out: no request path can name them.
 *
 * One row holds a group of entries that are neighbours in the index's order (lib/ingest/entry-groups.ts):
 * the first LISTING_KEY_CHARS characters of the name byte by byte, then the hex SHA-256 of the
 * name's UTF-8 bytes. A row per entry cost two btree insertions, a foreign-key check and a tuple
 * for each of them, about four times the upload's own time at 70,000 entries (issue 9 goal 5);
 * a row per group is one of each per few hundred entries, and the download's statement still
 * finds its entry with one index probe and takes just that entry out of the group (`->`).
 *
 * The index belongs to the stored object, not to the job_artifacts row: an upload writes it under
 * its own fresh key while storage is still taking the archive, so the transaction that records the
 * archive carries none of it (issue 9 goal 5). Its rows go when the object goes (deleteNow, the
 * cleanup's purge, a failed upload), and no download reaches them but through a row naming the key.
 */
export const artifactEntryGroups = pgTable(
  "artifact_entry_groups",
  {
    // The archive's object (job_artifacts.storage_key): a fresh key per upload, never reused.
    storage_key: byteText().notNull(),
    // The group's first entry: left(name, 600) byte by byte (any name fits a btree row: at most
    // 2,400 bytes of UTF-8, security review finding 10), then the name's hex SHA-256, which orders
    // names that share those 600 characters.
    first_key: byteText().notNull(),
    first_sha256: byteText().notNull(),
    // A JSON object in the index's order: name -> [method, flags, crc32, compressed_size,
    // uncompressed_size, local_header_offset, end_offset, extra_length], end_offset being where
    // the next local header (or the central directory) starts: the entry's read bound.
    entries: json().notNull(),
  },
  // Serves: the download statement's probe for the group that holds a name, and the artifact
  // browser's walk in byte order (lib/web/listing.ts).
  (t) => [primaryKey({ columns: [t.storage_key, t.first_key, t.first_sha256] })],
);

export type ArtifactEntryGroup = typeof artifactEntryGroups.$inferSelect;
