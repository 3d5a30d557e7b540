-- Issue 9 goal 5: the index moves from a row per entry to a row per group of neighbouring
-- entries (schema/artifact-entries.ts, lib/ingest/entry-groups.ts). Rows already indexed are
-- grouped here in the same order (left(name, 600) byte by byte, then the name's digest): at most
-- 128 entries a group, and a new group once the names passed 16 KiB.
CREATE TABLE "artifact_entry_groups" (
	"artifact_id" integer NOT NULL,
	"first_key" text collate "C" NOT NULL,
	"first_sha256" text collate "C" NOT NULL,
	"entries" json NOT NULL,
	CONSTRAINT "artifact_entry_groups_artifact_id_first_key_first_sha256_pk" PRIMARY KEY("artifact_id","first_key","first_sha256")
);
--> statement-breakpoint
ALTER TABLE "artifact_entry_groups" ADD CONSTRAINT "artifact_entry_groups_artifact_id_job_artifacts_id_fk" FOREIGN KEY ("artifact_id") REFERENCES "public"."job_artifacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- LZ4 compresses a group's JSON several times faster than the default pglz; a server built
-- without it keeps pglz.
DO $$ BEGIN
  ALTER TABLE "artifact_entry_groups" ALTER COLUMN "entries" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN NULL;
END $$;--> statement-breakpoint
INSERT INTO "artifact_entry_groups" ("artifact_id", "first_key", "first_sha256", "entries")
SELECT "artifact_id", (array_agg("k" ORDER BY "k", "path_sha256"))[1], (array_agg("path_sha256" ORDER BY "k", "path_sha256"))[1],
  json_object_agg("path", json_build_array("method", "flags", "crc32", "compressed_size", "uncompressed_size",
    "local_header_offset", "end_offset", "extra_length") ORDER BY "k", "path_sha256")
FROM (
  SELECT e.*, left(e."path", 600) COLLATE "C" AS "k",
    (row_number() OVER w - 1) / 128 AS "by_count",
    (sum(octet_length(e."path") + 64) OVER w - octet_length(e."path") - 64) / 16384 AS "by_bytes"
  FROM "artifact_entries" e
  WINDOW w AS (PARTITION BY e."artifact_id" ORDER BY left(e."path", 600) COLLATE "C", e."path_sha256" COLLATE "C")
) s
GROUP BY "artifact_id", "by_count", "by_bytes";--> statement-breakpoint
DROP TABLE "artifact_entries" CASCADE;
