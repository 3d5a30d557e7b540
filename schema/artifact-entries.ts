import { sql } from "drizzle-orm";
import { bigint, index, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { jobArtifacts } from "./artifacts";

/**
 * An archive's central directory, indexed at upload (as GitLab keeps metadata.gz): with it, one
 * file out of the zip costs the download's one SQL statement and one bounded storage read.
 * Names that are not UTF-8 are left out: no request path can name them.
 */
export const artifactEntries = pgTable(
  "artifact_entries",
  {
    artifact_id: integer()
      .notNull()
      .references(() => jobArtifacts.id, { onDelete: "cascade" }),
    // Hex SHA-256 of the name's UTF-8 bytes (lib/ingest/entry-key.ts): the key, since a btree
    // row holds at most ~2.7 KB and zip names run to 64 KiB (security review finding 10).
    path_sha256: text().notNull(),
    path: text().notNull(),
    method: integer().notNull(),
    flags: integer().notNull(),
    crc32: bigint({ mode: "number" }).notNull(),
    compressed_size: bigint({ mode: "number" }).notNull(),
    uncompressed_size: bigint({ mode: "number" }).notNull(),
    local_header_offset: bigint({ mode: "number" }).notNull(),
    // Where the next local header (or the central directory) starts: the entry's read bound.
    end_offset: bigint({ mode: "number" }).notNull(),
    extra_length: integer().notNull(),
  },
  // Serves: the download statement's lookup of one entry, by the name's digest and then the name.
  (t) => [
    primaryKey({ columns: [t.artifact_id, t.path_sha256] }),
    // Serves: the artifact browser's directory listing (lib/web/listing.ts), a walk in byte order
    // that skips each subdirectory with one probe. The first LISTING_KEY_CHARS characters only (at
    // most 2,400 bytes of UTF-8), so that any name fits a btree row.
    index("artifact_entries_listing_idx").on(t.artifact_id, sql`left(${t.path}, 600) collate "C"`),
  ],
);

export type ArtifactEntry = typeof artifactEntries.$inferSelect;
